import type { ComponentHealth } from '../lib/health-report';
import { STATUS_PAGE_CSS, STATUS_PAGE_SCRIPT } from './status-page-assets';
import { renderOnCall } from './status-page-oncall';
import { ageBetween, esc, formatAge, plural, timeTag } from './status-page-format';
import type { DestinationCondition, DestinationStatus, StatusSnapshot, SubscriptionView } from './status-snapshot';

export { STATUS_PAGE_CSP, STATUS_PAGE_HEADERS } from './status-page-assets';

/** The oldest critical delivery waiting longer than this is shown as an alarm (the failover deadline). */
export const OLD_CRITICAL_MS = 60_000;
export const DEFAULT_REFRESH_MS = 5_000;

export interface StatusPageOptions {
  /** How often the page refreshes itself; default 5 s. */
  readonly refreshMs?: number;
  /** From when the oldest waiting critical delivery is highlighted; default 60 s. */
  readonly oldCriticalMs?: number;
}

type Tone = 'ok' | 'warn' | 'bad' | 'off' | 'held';

const CONDITIONS: Readonly<Record<DestinationCondition, { label: string; tone: Tone; rank: number }>> = {
  open: { label: 'Circuit open', tone: 'bad', rank: 0 },
  failing: { label: 'Failing', tone: 'bad', rank: 1 },
  disabled: { label: 'Disabled', tone: 'off', rank: 2 },
  held: { label: 'Held on for a wedding', tone: 'held', rank: 3 },
  limited: { label: 'Rate limited', tone: 'warn', rank: 4 },
  healthy: { label: 'Healthy', tone: 'ok', rank: 5 },
};

const OVERALL = {
  ready: { label: 'Ready', tone: 'ok' },
  degraded: { label: 'Degraded', tone: 'warn' },
  not_ready: { label: 'Not ready', tone: 'bad' },
} as const;

const LEVELS = ['critical', 'high', 'normal', 'low'] as const;

/**
 * The /status page: one self-contained HTML document (inline CSS and script, no external request)
 * that a person on call reads at a glance. This is the only rendering function: the page's script
 * refreshes by fetching this same page again and swapping `#status-root`, so server and browser
 * can never disagree on how a value is shown or escaped.
 */
export function renderStatusPage(snapshot: StatusSnapshot, options: StatusPageOptions = {}): string {
  const refreshMs = Math.max(1_000, Math.round(options.refreshMs ?? DEFAULT_REFRESH_MS));
  const overall = OVERALL[snapshot.readiness.status] ?? OVERALL.not_ready;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>${esc(overall.label)} · WedSync worker status</title>
<link rel="icon" href="data:,">
<style>${STATUS_PAGE_CSS}</style>
<noscript><meta http-equiv="refresh" content="${Math.round(refreshMs / 1000)}"></noscript>
</head>
<body data-refresh-ms="${refreshMs}" data-connection="ok">
<div class="wrap">
<header class="top"><h1>WedSync worker status</h1><p id="refresh-note" class="muted">Refreshes every ${Math.round(refreshMs / 1000)} s</p></header>
<div id="connection" class="lost" role="alert" hidden></div>
${renderStatusRoot(snapshot, options)}
<footer class="muted">The same data as JSON: <a href="/status.json">/status.json</a>. Ids only; look people and addresses up with the CLI.</footer>
</div>
<script>${STATUS_PAGE_SCRIPT}</script>
</body>
</html>
`;
}

/** `<main id="status-root">`: everything that changes between refreshes. */
export function renderStatusRoot(snapshot: StatusSnapshot, options: StatusPageOptions = {}): string {
  return `<main id="status-root" data-generated-at="${esc(snapshot.generatedAt)}">
${banner(snapshot, options)}
${subscriptions(snapshot)}
${queue(snapshot, options)}
${renderOnCall(snapshot.onCall, snapshot.generatedAt)}
${destinations(snapshot)}
${failures(snapshot)}
${deadEvents(snapshot)}
</main>`;
}

function banner(snapshot: StatusSnapshot, options: StatusPageOptions): string {
  const status = snapshot.readiness.status;
  const overall = OVERALL[status] ?? OVERALL.not_ready;
  const components = Object.entries(snapshot.readiness.components ?? {}) as [string, ComponentHealth][];
  const attention = components.filter(([, c]) => !c.ready || c.state === 'degraded');
  const reasons = attention.length
    ? `<ul aria-label="Components that need attention">${attention
        .map(
          ([name, c]) =>
            `<li data-component="${esc(name)}" data-ready="${c.ready ? 'true' : 'false'}"><strong>${esc(name)}</strong> <span class="badge ${c.ready ? 'warn' : 'bad'}">${esc(c.ready ? c.state : 'not ready')}</span> <span class="detail">${esc(c.reason ?? 'no reason given')}</span></li>`,
        )
        .join('')}</ul>`
    : '<p class="detail">Every component is ready.</p>';
  const worker = snapshot.worker;
  const workerText = worker.state === 'draining' ? 'Draining: shutting down' : 'Running';
  const store = worker.durable ? 'durable queue (PostgreSQL)' : 'in memory only: nothing survives a restart';
  return `<section id="overall" class="banner ${overall.tone}" data-overall="${esc(status)}" aria-labelledby="overall-title">
<h2 id="overall-title">${esc(overall.label)}</h2>
${reasons}
<ul class="summary" aria-label="At a glance">${summary(snapshot, options)}</ul>
<p class="detail muted">${esc(workerText)} · ${esc(store)} · started ${timeTag(worker.startedAt)} · data from ${timeTag(snapshot.generatedAt)}</p>
</section>`;
}

/** A line of counts for a glance: subscriptions live, destinations in trouble, critical waiting. */
function summary(snapshot: StatusSnapshot, options: StatusPageOptions): string {
  const parts: string[] = [];
  const subs = snapshot.subscriptions;
  parts.push(`<span data-summary="subscriptions">${subs.filter((s) => s.live).length} of ${subs.length} subscriptions live</span>`);
  const trouble = snapshot.destinations.filter((d) => d.condition !== 'healthy');
  for (const condition of Object.keys(CONDITIONS) as DestinationCondition[]) {
    const n = trouble.filter((d) => d.condition === condition).length;
    if (n > 0) parts.push(`<span data-summary="${condition}">${n} ${esc(CONDITIONS[condition].label.toLowerCase())}</span>`);
  }
  if (snapshot.queue) {
    const critical = snapshot.queue.byLevel.critical;
    const old = isOld(snapshot.queue.oldestCriticalAgeMs, options);
    parts.push(`<span data-summary="critical">${esc(critical)} critical waiting${old ? ` <strong>(oldest ${esc(formatAge(snapshot.queue.oldestCriticalAgeMs))})</strong>` : ''}</span>`);
  }
  if (snapshot.recentFailures.length) parts.push(`<span data-summary="failures">${plural(snapshot.recentFailures.length, 'recent failure')}</span>`);
  return parts.map((part) => `<li>${part}</li>`).join('');
}

function subscriptions(snapshot: StatusSnapshot): string {
  const subs = snapshot.subscriptions;
  const body = subs.length
    ? `<ul class="cards">${[...subs].sort((a, b) => Number(a.live) - Number(b.live)).map(subscription).join('')}</ul>`
    : '<p class="muted">No subscriptions configured.</p>';
  return `<section id="subscriptions" aria-labelledby="subscriptions-title">
<h2 id="subscriptions-title">Subscriptions <span class="count">${subs.filter((s) => s.live).length} of ${subs.length} live</span></h2>
${body}
</section>`;
}

function subscription(s: SubscriptionView): string {
  // Another replica holds a standby stream: nothing is wrong with it here.
  const standby = s.lease === 'standby';
  const tone: Tone = s.live || standby ? 'ok' : 'bad';
  const catchUp = s.lastCatchUp
    ? `recovered ${esc(plural(s.lastCatchUp.recovered, 'change'))} in ${esc(formatAge(s.lastCatchUp.ms))}${s.lastCatchUp.at ? `, ${timeTag(s.lastCatchUp.at)}` : ''}`
    : '<span class="muted">none yet</span>';
  return `<li class="card is-${tone}" data-subscription="${esc(s.name)}" data-live="${s.live ? 'true' : 'false'}" data-state="${esc(s.state)}">
<h3><span class="name">${esc(s.name)}</span> <span class="badge ${tone}">${s.live ? 'Live' : standby ? 'Standby' : 'Not live'}</span></h3>
<dl class="facts">
${fact('State', esc(s.state), 'state')}
${s.reason ? fact('Reason', esc(s.reason), 'reason') : ''}
${fact('Mode', esc(s.mode), 'mode')}
${s.lease ? fact('Lease', esc(s.lease === 'held' ? 'held by this replica' : s.lease === 'standby' ? 'held by another replica' : s.lease), 'lease') : ''}
${fact('Newest change', s.newestChangeAgeMs === null ? '<span class="muted">none yet</span>' : `${esc(formatAge(s.newestChangeAgeMs))} ago`, 'newest-change')}
${fact('Last catch-up', catchUp, 'catch-up')}
</dl>
</li>`;
}

function queue(snapshot: StatusSnapshot, options: StatusPageOptions): string {
  const q = snapshot.queue;
  if (!q) {
    return `<section id="queue" aria-labelledby="queue-title" data-queue="none">
<h2 id="queue-title">Queue</h2>
<p class="muted">No durable queue: the worker runs without a database, so deliveries are kept in memory only.</p>
</section>`;
  }
  const total = LEVELS.reduce((n, level) => n + (q.byLevel[level] ?? 0), 0);
  const levels = LEVELS.map(
    (level) => `<div data-level="${level}"><dt>${level[0]!.toUpperCase()}${level.slice(1)}</dt><dd>${esc(q.byLevel[level] ?? 0)}</dd></div>`,
  ).join('');
  const old = isOld(q.oldestCriticalAgeMs, options);
  const oldest =
    q.oldestCriticalAgeMs === null
      ? '<p id="oldest-critical" class="oldest" data-old="false">No critical delivery waiting.</p>'
      : `<p id="oldest-critical" class="oldest${old ? ' bad' : ''}" data-old="${old ? 'true' : 'false'}"${old ? ' role="alert"' : ''}>Oldest critical delivery waiting: <strong>${esc(formatAge(q.oldestCriticalAgeMs))}</strong>${old ? ' — longer than it should' : ''}</p>`;
  return `<section id="queue" aria-labelledby="queue-title" data-queue="durable">
<h2 id="queue-title">Queue <span class="count">${esc(plural(total, 'delivery', 'deliveries'))} waiting</span></h2>
<dl class="levels">${levels}</dl>
${oldest}
</section>`;
}

function isOld(ageMs: number | null, options: StatusPageOptions): boolean {
  return ageMs !== null && ageMs > (options.oldCriticalMs ?? OLD_CRITICAL_MS);
}

function destinations(snapshot: StatusSnapshot): string {
  const list = [...snapshot.destinations].sort((a, b) => (CONDITIONS[a.condition]?.rank ?? -1) - (CONDITIONS[b.condition]?.rank ?? -1));
  const trouble = list.filter((d) => d.condition !== 'healthy').length;
  const body = list.length
    ? `<ul class="cards">${list.map((d) => destination(d, snapshot.generatedAt)).join('')}</ul>`
    : snapshot.onCall?.channels.length
      ? '<p class="muted">No channel or endpoint has a breaker open or failing, or waits on its rate limit: traffic is above.</p>'
      : '<p class="muted">No channel or endpoint used yet.</p>';
  return `<section id="destinations" aria-labelledby="destinations-title">
<h2 id="destinations-title">Channels and endpoints <span class="count">${trouble ? `${trouble} of ${list.length} need attention` : `${list.length} healthy`}</span></h2>
${body}
</section>`;
}

function destination(d: DestinationStatus, now: string): string {
  const c = CONDITIONS[d.condition] ?? { label: String(d.condition), tone: 'bad' as Tone, rank: -1 };
  const probeIn = d.openUntil ? ageBetween(now, d.openUntil) : null;
  return `<li class="card is-${c.tone}" data-destination="${esc(d.key)}" data-channel="${esc(d.channel)}" data-condition="${esc(d.condition)}">
<h3><span class="name mono">${esc(d.key)}</span> <span class="badge ${c.tone}">${esc(c.label)}</span></h3>
<dl class="facts">
${fact('Channel', esc(d.channel), 'channel')}
${d.reason ? fact('Reason', esc(d.reason), 'reason') : ''}
${d.consecutiveFailures ? fact('Failures in a row', esc(d.consecutiveFailures), 'failures') : ''}
${d.openUntil ? fact('Next probe', `${timeTag(d.openUntil)}${probeIn !== null && probeIn > 0 ? ` (in ${esc(formatAge(probeIn))})` : ''}`, 'open-until') : ''}
${d.waiting ? fact('Waiting on its limit', esc(d.waiting), 'waiting') : ''}
</dl>
</li>`;
}

function failures(snapshot: StatusSnapshot): string {
  const rows = snapshot.recentFailures
    .map(
      (f) => `<tr data-failure="${esc(f.deliveryId)}">
<td data-label="When">${timeTag(f.at)}</td><td data-label="Channel">${esc(f.channel)}</td><td data-label="Destination"><span class="mono">${esc(f.destination)}</span></td><td data-label="Priority">${esc(f.priority)}</td><td data-label="Status">${f.status === null ? '—' : esc(f.status)}</td><td data-label="Reason">${esc(f.reason)}</td><td data-label="Delivery"><span class="mono">${esc(f.deliveryId)}</span></td></tr>`,
    )
    .join('');
  const body = rows
    ? `<table class="table"><thead><tr><th scope="col">When</th><th scope="col">Channel</th><th scope="col">Destination</th><th scope="col">Priority</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Delivery</th></tr></thead><tbody>${rows}</tbody></table>`
    : '<p class="muted">No failed attempts recorded.</p>';
  return `<section id="failures" aria-labelledby="failures-title">
<h2 id="failures-title">Last failures <span class="count">${snapshot.recentFailures.length}</span></h2>
${body}
</section>`;
}

function deadEvents(snapshot: StatusSnapshot): string {
  const rows = snapshot.recentDeadEvents
    .map(
      (e) => `<tr data-dead-event="${esc(e.eventId)}">
<td data-label="When">${timeTag(e.at)}</td><td data-label="Table">${esc(e.table)}</td><td data-label="Reason">${esc(e.reason)}</td><td data-label="Event"><span class="mono">${esc(e.eventId)}</span></td></tr>`,
    )
    .join('');
  const body = rows
    ? `<table class="table"><thead><tr><th scope="col">When</th><th scope="col">Table</th><th scope="col">Reason</th><th scope="col">Event</th></tr></thead><tbody>${rows}</tbody></table>`
    : '<p class="muted">No dead events.</p>';
  return `<section id="dead-events" aria-labelledby="dead-events-title">
<h2 id="dead-events-title">Dead events <span class="count">${snapshot.recentDeadEvents.length}</span></h2>
${body}
</section>`;
}

function fact(term: string, valueHtml: string, field: string): string {
  return `<div data-field="${field}"><dt>${term}</dt><dd>${valueHtml}</dd></div>`;
}
