import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { createHealthServer, type HealthServer } from '../../../src/outcome/health-server';
import { renderStatusPage, renderStatusRoot, STATUS_PAGE_CSP } from '../../../src/outcome/status-page';
import { formatAge } from '../../../src/outcome/status-page-format';
import type { StatusSnapshot } from '../../../src/outcome/status-snapshot';

const HOSTILE = `<script>alert(1)</script>"' onmouseover="x()`;

function snapshot(overrides: Partial<StatusSnapshot> = {}): StatusSnapshot {
  return {
    generatedAt: '2026-06-13T15:00:00.000Z',
    worker: { state: 'running', startedAt: '2026-06-13T08:00:00.000Z', durable: true },
    readiness: {
      status: 'not_ready',
      components: {
        'subscription:weddings': { ready: true, state: 'live', reason: null },
        'subscription:wedding_timeline': { ready: false, state: 'rebuilding', reason: 'channel closed by the server; rebuilding in 5 s' },
        worker: { ready: true, state: 'running', reason: null },
      },
    },
    subscriptions: [
      { name: 'weddings', mode: 'outbox', live: true, state: 'live', reason: null, newestChangeAgeMs: 12_000, lastCatchUp: { recovered: 3, ms: 140, at: '2026-06-13T14:58:00.000Z' } },
      { name: 'wedding_timeline', mode: 'table', live: false, state: 'rebuilding', reason: 'channel closed by the server; rebuilding in 5 s', newestChangeAgeMs: null, lastCatchUp: null },
    ],
    queue: { byLevel: { critical: 2, high: 5, normal: 11, low: 0 }, oldestCriticalAgeMs: 95_000 },
    destinations: [
      { key: 'email', channel: 'email', condition: 'healthy', reason: null, consecutiveFailures: 0, openUntil: null, waiting: 0 },
      { key: 'webhook:ep_partner_1', channel: 'webhook', condition: 'open', reason: 'HTTP 503 five times in a row', consecutiveFailures: 5, openUntil: '2026-06-13T15:00:30.000Z', waiting: 4 },
    ],
    recentFailures: [
      { at: '2026-06-13T14:59:50.000Z', deliveryId: 'dlv_1', channel: 'webhook', destination: 'webhook:ep_partner_1', priority: 'critical', status: 503, reason: 'Service Unavailable' },
    ],
    recentDeadEvents: [{ at: '2026-06-13T14:30:00.000Z', eventId: 'evt_9', table: 'weddings', reason: 'wedding not found' }],
    ...overrides,
  };
}

/** The markup of one element found by an attribute, up to its closing `</li>`. */
function card(html: string, attribute: string, value: string): string {
  const start = html.indexOf(`${attribute}="${value}"`);
  expect(start).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf('</li>', start));
}

describe('renderStatusPage', () => {
  it('shows a failing subscription and an open-circuit destination by name with their conditions', () => {
    const html = renderStatusPage(snapshot());
    const sub = card(html, 'data-subscription', 'wedding_timeline');
    expect(sub).toContain('data-live="false"');
    expect(sub).toContain('Not live');
    expect(sub).toContain('rebuilding');
    expect(sub).toContain('channel closed by the server; rebuilding in 5 s');
    expect(card(html, 'data-subscription', 'weddings')).toContain('recovered 3 changes in 140 ms');

    const dest = card(html, 'data-destination', 'webhook:ep_partner_1');
    expect(dest).toContain('data-condition="open"');
    expect(dest).toContain('Circuit open');
    expect(dest).toContain('HTTP 503 five times in a row');
    expect(dest).toContain('(in 30 s)');
    expect(card(html, 'data-destination', 'email')).toContain('data-condition="healthy"');

    expect(html).toContain('data-overall="not_ready"');
    expect(html).toContain('<title>Not ready · WedSync worker status</title>');
    expect(html).toMatch(/data-component="subscription:wedding_timeline" data-ready="false"/);
    expect(html).not.toContain('data-component="subscription:weddings"');
  });

  it('shows which streams this replica holds, and a stream another replica holds as standing by, not failing', () => {
    const html = renderStatusPage(
      snapshot({
        subscriptions: [
          { name: 'public.change_outbox', mode: 'outbox', live: true, state: 'live', reason: null, newestChangeAgeMs: 1_000, lastCatchUp: null, lease: 'held' },
          { name: 'payments', mode: 'table', live: false, state: 'standby', reason: 'another replica holds this stream', newestChangeAgeMs: null, lastCatchUp: null, lease: 'standby' },
        ],
      }),
    );
    expect(card(html, 'data-subscription', 'public.change_outbox')).toContain('held by this replica');
    const standby = card(html, 'data-subscription', 'payments');
    expect(standby).toContain('Standby');
    expect(standby).toContain('held by another replica');
    expect(standby).toContain('badge ok');
  });

  it('puts problems first: the open circuit before the healthy channel, the dead stream before the live one', () => {
    const html = renderStatusPage(snapshot());
    expect(html.indexOf('data-destination="webhook:ep_partner_1"')).toBeLessThan(html.indexOf('data-destination="email"'));
    expect(html.indexOf('data-subscription="wedding_timeline"')).toBeLessThan(html.indexOf('data-subscription="weddings"'));
  });

  it('shows the queue by priority and marks an old critical delivery', () => {
    const html = renderStatusPage(snapshot());
    expect(html).toMatch(/data-level="critical"><dt>Critical<\/dt><dd>2<\/dd>/);
    expect(html).toMatch(/data-level="normal"><dt>Normal<\/dt><dd>11<\/dd>/);
    expect(html).toMatch(/id="oldest-critical" class="oldest bad" data-old="true"/);
    expect(html).toContain('1 min 35 s');
    const fresh = renderStatusPage(snapshot({ queue: { byLevel: { critical: 1, high: 0, normal: 0, low: 0 }, oldestCriticalAgeMs: 4_000 } }));
    expect(fresh).toMatch(/id="oldest-critical" class="oldest" data-old="false"/);
  });

  it('escapes hostile strings in every name, reason and id', () => {
    const html = renderStatusPage(
      snapshot({
        readiness: { status: 'degraded', components: { [HOSTILE]: { ready: true, state: 'degraded', reason: HOSTILE } } },
        subscriptions: [{ name: HOSTILE, mode: HOSTILE, live: false, state: HOSTILE, reason: HOSTILE, newestChangeAgeMs: null, lastCatchUp: null }],
        destinations: [{ key: `webhook:${HOSTILE}`, channel: HOSTILE, condition: 'failing', reason: HOSTILE, consecutiveFailures: 2, openUntil: null, waiting: 0 }],
        recentFailures: [{ at: HOSTILE, deliveryId: HOSTILE, channel: HOSTILE, destination: HOSTILE, priority: HOSTILE, status: null, reason: HOSTILE }],
        recentDeadEvents: [{ at: HOSTILE, eventId: HOSTILE, table: HOSTILE, reason: HOSTILE }],
      }),
    );
    // The only script element is the page's own, and no attribute is broken out of.
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toContain('alert(1)</script>');
    expect(html).not.toContain('" onmouseover');
    expect(html).not.toContain("' onmouseover");
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39; onmouseover=&quot;x()');
    expect(html).toContain('data-subscription="&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39; onmouseover=&quot;x()"');
  });

  it('renders empty and null sections sensibly (no database, nothing yet)', () => {
    const html = renderStatusRoot(
      snapshot({
        worker: { state: 'draining', startedAt: '2026-06-13T08:00:00.000Z', durable: false },
        readiness: { status: 'ready', components: {} },
        subscriptions: [],
        queue: null,
        destinations: [],
        recentFailures: [],
        recentDeadEvents: [],
      }),
    );
    expect(html).toContain('data-overall="ready"');
    expect(html).toContain('Every component is ready.');
    expect(html).toContain('data-queue="none"');
    expect(html).toContain('No durable queue');
    expect(html).toContain('in memory only');
    expect(html).toContain('Draining');
    expect(html).toContain('No subscriptions configured.');
    expect(html).toContain('No channel or endpoint used yet.');
    expect(html).toContain('No failed attempts recorded.');
    expect(html).toContain('No dead events.');
    expect(html).not.toContain('undefined');
    expect(html).not.toContain('null');
    expect(html).not.toContain('NaN');
  });

  it('shows a critical queue that is empty as such', () => {
    const html = renderStatusRoot(snapshot({ queue: { byLevel: { critical: 0, high: 0, normal: 0, low: 0 }, oldestCriticalAgeMs: null } }));
    expect(html).toContain('No critical delivery waiting.');
    expect(html).toContain('0 deliveries waiting');
  });

  it('formats ages for a glance', () => {
    expect([null, 850, 12_000, 185_000, 2 * 3_600_000 + 240_000, 3 * 86_400_000 + 7_200_000].map(formatAge)).toEqual([
      '—',
      '850 ms',
      '12 s',
      '3 min 5 s',
      '2 h 4 min',
      '3 d 2 h',
    ]);
  });

  it('allows its own inline script and style by hash and nothing else', () => {
    expect(STATUS_PAGE_CSP).toMatch(/default-src 'none'/);
    expect(STATUS_PAGE_CSP).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+=*'(;|$)/);
    expect(STATUS_PAGE_CSP).toMatch(/style-src 'sha256-[A-Za-z0-9+/]+=*'(;|$)/);
    expect(STATUS_PAGE_CSP).not.toContain('unsafe-inline');
    expect(STATUS_PAGE_CSP).toContain("connect-src 'self'");
  });
});

describe('/status routes of the health server', () => {
  let current: StatusSnapshot | Error = snapshot();
  const servers: HealthServer[] = [];
  let base = '';
  let bare = '';

  beforeAll(async () => {
    const options = { host: '127.0.0.1', port: 0, alive: () => true, readiness: () => snapshot().readiness, metrics: new Registry() };
    const withStatus = createHealthServer({
      ...options,
      status: async () => {
        if (current instanceof Error) throw current;
        return current;
      },
    });
    const without = createHealthServer(options);
    servers.push(withStatus, without);
    base = `http://127.0.0.1:${await withStatus.listen()}`;
    bare = `http://127.0.0.1:${await without.listen()}`;
  });
  afterAll(() => Promise.all(servers.map((s) => s.close())));

  it('serves the page as HTML with a strict policy and no caching', async () => {
    current = snapshot();
    const res = await fetch(`${base}/status`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-security-policy')).toBe(STATUS_PAGE_CSP);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).toContain('data-destination="webhook:ep_partner_1"');
    expect(html).toContain('data-refresh-ms="5000"');
    expect(await (await fetch(`${base}/status?refresh=2`)).text()).toContain('data-refresh-ms="2000"');
  });

  it('serves the snapshot as JSON', async () => {
    current = snapshot();
    const res = await fetch(`${base}/status.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual(snapshot());
  });

  it('answers 503 without echoing the error when the snapshot cannot be built', async () => {
    current = new Error('connect ECONNREFUSED 10.0.0.5:5432');
    for (const path of ['/status', '/status.json']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(503);
      expect(await res.text()).not.toContain('10.0.0.5');
    }
    current = snapshot();
  });

  it('is 404 without a status provider, and the other routes are unchanged', async () => {
    expect((await fetch(`${bare}/status`)).status).toBe(404);
    expect((await fetch(`${bare}/status.json`)).status).toBe(404);
    expect((await fetch(`${base}/livez`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    expect((await fetch(`${base}/status`, { method: 'POST' })).status).toBe(405);
  });
});
