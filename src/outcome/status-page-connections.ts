import type { ConnectionsStatus } from './status-connections';
import { esc, timeTag } from './status-page-format';

const LABEL: Readonly<Record<string, string>> = { revoked: 'Revoked', disabled: 'Disabled', failing: 'Failing' };

/** The CLI line that shows a stopped connection and checks credentials given to it again. */
export function connectionCommand(id: string): string {
  return `npm run cli -- connections test --id ${id}`;
}

/** Partner connections that are off or failing, with the reason they were stopped for. Ids only. */
export function renderConnections(view: ConnectionsStatus | null | undefined): string {
  if (!view) return '';
  const rows = view.troubled
    .map(
      (c) =>
        `<tr data-connection-id="${esc(c.id)}" data-connection-state="${esc(c.state)}"><td data-label="Partner">${esc(c.partner)}</td><td data-label="Connection"><span class="mono">${esc(c.id)}</span></td><td data-label="Organization"><span class="mono">${esc(c.organizationId)}</span></td><td data-label="State"><span class="badge ${c.state === 'failing' ? 'warn' : 'bad'}">${esc(LABEL[c.state] ?? c.state)}</span></td><td data-label="Reason" data-connection-reason>${esc(c.reason ?? '')}</td><td data-label="Since">${timeTag(c.since)}</td><td data-label="Check it"><code class="mono">${esc(connectionCommand(c.id))}</code></td></tr>`,
    )
    .join('');
  const body = rows
    ? `<table class="table"><thead><tr>${['Partner', 'Connection', 'Organization', 'State', 'Reason', 'Since', 'Check it'].map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>${
        view.total > view.troubled.length ? `<p class="muted" data-more="${view.total - view.troubled.length}">Showing the newest ${view.troubled.length} of ${esc(view.total)}.</p>` : ''
      }`
    : '<p class="muted">Every partner connection is on.</p>';
  return `<section id="connections" aria-labelledby="connections-title">
<h2 id="connections-title">Partner connections stopped or failing</h2>
${body}
</section>`;
}
