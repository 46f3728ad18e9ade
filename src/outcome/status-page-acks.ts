import { esc, formatAge, timeTag } from './status-page-format';
import type { UnacknowledgedView } from './status-snapshot';

/** Critical messages nobody answered: how long ago, how far up the tiers, when the next one goes. Ids only. */
export function renderUnacknowledged(rows: readonly UnacknowledgedView[] | null | undefined): string {
  if (!rows) return '';
  const body = rows.length
    ? `<table class="table"><thead><tr><th scope="col">Age</th><th scope="col">Kind</th><th scope="col">Tier reached</th><th scope="col">Next tier</th><th scope="col">Event</th></tr></thead><tbody>${rows
        .map(
          (r) =>
            `<tr data-unacknowledged="${esc(r.eventId)}" data-tier="${esc(r.tier)}" data-state="${esc(r.state)}"><td data-label="Age">${esc(formatAge(r.ageMs))}</td><td data-label="Kind">${esc(r.kind)}</td><td data-label="Tier reached">${esc(r.tier)} <span class="badge ${r.state === 'exhausted' ? 'bad' : 'warn'}">${esc(r.state === 'exhausted' ? 'no tier left' : 'waiting')}</span></td><td data-label="Next tier">${r.nextAt ? timeTag(r.nextAt) : '—'}</td><td data-label="Event"><span class="mono">${esc(r.eventId)}</span></td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p class="muted">Every escalated message was acknowledged.</p>';
  return `<section id="unacknowledged" aria-labelledby="unacknowledged-title">
<h2 id="unacknowledged-title">Unacknowledged <span class="count">${rows.length}</span></h2>
${body}
</section>`;
}
