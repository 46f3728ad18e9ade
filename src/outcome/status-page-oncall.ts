import { esc, formatAge, plural, timeTag } from './status-page-format';
import type { DeadLetterGroup, OnCallView, TrafficCounts, WeddingToday } from './status-oncall';

// The sections of /status read from the ledger: what every channel and destination did in the
// last minutes, what waits, what died and how to replay it, and today's weddings. Ids and
// destination keys only: addresses and names stay in the ledger, for the CLI.

/** The CLI line that replays a destination's dead letters (the ledger's replay filters by destination). */
export function replayCommand(destination: string): string {
  return `npm run cli -- replay --destination ${destination}`;
}

export function renderOnCall(view: OnCallView | null | undefined, generatedAt: string): string {
  if (!view) return '';
  return [traffic(view), oldestCritical(view, generatedAt), deadLetters(view), weddings(view)].join('\n');
}

const table = (head: readonly string[], rows: string) =>
  `<table class="table"><thead><tr>${head.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>`;

const more = (shown: number, total: number, what: string) =>
  total > shown ? `<p class="muted" data-more="${total - shown}">Showing ${shown} of ${esc(total)} ${what}, most in trouble first.</p>` : '';

function countsCells(c: TrafficCounts): string {
  return `<td data-label="Delivered" data-count="delivered">${esc(c.delivered)}</td><td data-label="Failed" data-count="failed">${esc(c.failed)}</td><td data-label="Retrying" data-count="retrying">${esc(c.retrying)}</td><td data-label="p95 due → delivered" data-count="p95">${c.p95Ms === null ? '—' : esc(formatAge(c.p95Ms))}</td>`;
}

const COUNT_HEAD = ['Delivered', 'Failed', 'Retrying', 'p95 due → delivered'];

function traffic(view: OnCallView): string {
  const minutes = Math.round(view.windowMs / 60_000);
  const channels = view.channels.map((c) => `<tr data-traffic-channel="${esc(c.channel)}"><th scope="row" data-label="Channel">${esc(c.channel)}</th>${countsCells(c)}</tr>`).join('');
  const destinations = view.destinations
    .map((d) => `<tr data-traffic-destination="${esc(d.destination)}"><td data-label="Destination"><span class="mono">${esc(d.destination)}</span></td>${countsCells(d)}<td data-label="If it fails">${d.failed ? `<code class="mono">${esc(replayCommand(d.destination ?? d.channel))}</code>` : ''}</td></tr>`)
    .join('');
  const body = channels
    ? `${table(['Channel', ...COUNT_HEAD], channels)}
<h3>By destination</h3>
${table(['Destination', ...COUNT_HEAD, 'Replay its dead letters'], destinations)}
${more(view.destinations.length, view.destinationsTotal, 'destinations')}`
    : `<p class="muted">Nothing delivered, failed or retrying in the last ${minutes} min.</p>`;
  return `<section id="traffic" aria-labelledby="traffic-title">
<h2 id="traffic-title">Last ${minutes} minutes <span class="count">every replica, from the ledger</span></h2>
${body}
</section>`;
}

function oldestCritical(view: OnCallView, generatedAt: string): string {
  const c = view.oldestWaitingCritical;
  const body = c
    ? `<p data-delivery="${esc(c.deliveryId)}">Waiting ${esc(formatAge(Date.parse(generatedAt) - Date.parse(c.createdAt)))} (since ${timeTag(c.createdAt)}): <span class="mono">${esc(c.deliveryId)}</span> on ${esc(c.channel)} to <span class="mono">${esc(c.destination)}</span>${c.weddingId ? `, wedding <span class="mono">${esc(c.weddingId)}</span>` : ''}.</p>`
    : '<p class="muted">No critical delivery waiting.</p>';
  return `<section id="oldest-critical-delivery" aria-labelledby="oldest-critical-title">
<h2 id="oldest-critical-title">Oldest waiting critical delivery</h2>
${body}
</section>`;
}

function deadLetters(view: OnCallView): string {
  const row = (g: DeadLetterGroup) =>
    `<tr data-dead-letters="${esc(g.destination)}"><td data-label="Reason">${esc(g.reason)}</td><td data-label="Destination"><span class="mono">${esc(g.destination)}</span></td><td data-label="Count">${esc(g.count)}</td><td data-label="Last">${timeTag(g.lastAt)}</td><td data-label="Replay"><code class="mono">${esc(replayCommand(g.destination))}</code></td></tr>`;
  const body = view.deadLetters.length
    ? `${table(['Reason', 'Destination', 'Count', 'Last', 'Replay'], view.deadLetters.map(row).join(''))}
${view.deadLetters.reduce((n, g) => n + g.count, 0) < view.deadLettersTotal ? `<p class="muted" data-more="dead-letters">Showing the ${view.deadLetters.length} largest groups.</p>` : ''}
<p class="muted">List them first with <code class="mono">npm run cli -- dead-letters --destination …</code>; a replay keeps each delivery's id, so receivers recognise repeats.</p>`
    : '<p class="muted">No dead letters.</p>';
  return `<section id="dead-letters" aria-labelledby="dead-letters-title">
<h2 id="dead-letters-title">Dead letters by reason <span class="count">${esc(plural(view.deadLettersTotal, 'dead letter'))}</span></h2>
${body}
</section>`;
}

function weddings(view: OnCallView): string {
  const row = (w: WeddingToday) =>
    `<tr data-wedding="${esc(w.weddingId)}" data-trouble="${w.critical.waiting + w.critical.failed > 0 ? 'true' : 'false'}"><td data-label="Wedding"><span class="mono">${esc(w.weddingId)}</span></td><td data-label="Organization"><span class="mono">${esc(w.organizationId)}</span></td><td data-label="Zone">${esc(w.timeZone)}</td><td data-label="Day" data-day-mode="${w.dayMode ? 'true' : 'false'}">${w.today ? 'today' : 'not today'}${w.dayMode ? ' <span class="badge held">Day mode</span>' : ''}</td><td data-label="Critical delivered">${esc(w.critical.delivered)}</td><td data-label="Critical waiting">${esc(w.critical.waiting)}</td><td data-label="Critical failed">${esc(w.critical.failed)}</td></tr>`;
  const body = view.weddingsToday.length
    ? `${table(['Wedding', 'Organization', 'Zone', 'Day', 'Critical delivered', 'Critical waiting', 'Critical failed'], view.weddingsToday.map(row).join(''))}
${more(view.weddingsToday.length, view.weddingsTodayTotal, 'weddings')}`
    : '<p class="muted">No wedding today in any zone, none in day mode.</p>';
  return `<section id="weddings-today" aria-labelledby="weddings-today-title">
<h2 id="weddings-today-title">Weddings today <span class="count" data-weddings-today="${esc(view.weddingsTodayTotal)}">${esc(plural(view.weddingsTodayTotal, 'wedding'))} today or in day mode (each in its own zone), <span data-weddings-day-mode="${esc(view.weddingsInDayMode)}">${esc(view.weddingsInDayMode)} in day mode</span>, ${esc(view.weddingsTodayInTrouble)} with a critical message waiting or failed</span></h2>
${body}
</section>`;
}
