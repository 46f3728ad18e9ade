import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Registry } from 'prom-client';
import { createHealthServer, type HealthServer } from '../../src/outcome/health-server';
import type { DestinationStatus, StatusSnapshot, SubscriptionView } from '../../src/outcome/status-snapshot';
import { artifactPath, launchChromium, offOrigin, recordRequests } from '../support/browser';
import { waitFor } from '../support/wait-for';

const HOSTILE_REASON = '<script>alert(1)</script> "quoted" reason';

const weddings: SubscriptionView = {
  name: 'weddings', mode: 'outbox', live: true, state: 'live', reason: null,
  newestChangeAgeMs: 4_000, lastCatchUp: { recovered: 3, ms: 140, at: new Date(Date.now() - 600_000).toISOString() },
};
const timelineDown: SubscriptionView = {
  name: 'wedding_timeline', mode: 'table', live: false, state: 'rebuilding',
  reason: 'channel closed by the server (phx_close); rebuilding in 5 s', newestChangeAgeMs: 310_000, lastCatchUp: null,
};
const partnerOpen: DestinationStatus = {
  key: 'webhook:ep_partner_1', channel: 'webhook', condition: 'open', reason: 'HTTP 503 five times in a row',
  consecutiveFailures: 5, openUntil: new Date(Date.now() + 25_000).toISOString(), waiting: 4,
};

function failing(): StatusSnapshot {
  const now = Date.now();
  return {
    generatedAt: new Date(now).toISOString(),
    worker: { state: 'running', startedAt: new Date(now - 3_600_000).toISOString(), durable: true },
    readiness: {
      status: 'not_ready',
      components: {
        'subscription:weddings': { ready: true, state: 'live', reason: null },
        'subscription:wedding_timeline': { ready: false, state: 'rebuilding', reason: timelineDown.reason },
        destinations: { ready: true, state: 'degraded', reason: '1 destination(s) need attention' },
      },
    },
    subscriptions: [weddings, timelineDown],
    queue: { byLevel: { critical: 3, high: 7, normal: 12, low: 1 }, oldestCriticalAgeMs: 95_000 },
    destinations: [
      { key: 'email', channel: 'email', condition: 'healthy', reason: null, consecutiveFailures: 0, openUntil: null, waiting: 0 },
      { key: 'sms', channel: 'sms', condition: 'limited', reason: 'Twilio 1/s limit reached', consecutiveFailures: 0, openUntil: null, waiting: 6 },
      partnerOpen,
      { key: 'slack:org_bloom', channel: 'slack', condition: 'held', reason: 'answered 404 for 5 days; kept on: wedding in 2 days', consecutiveFailures: 40, openUntil: null, waiting: 0 },
    ],
    recentFailures: [
      { at: new Date(now - 8_000).toISOString(), deliveryId: 'dlv_7f3a', channel: 'webhook', destination: 'webhook:ep_partner_1', priority: 'critical', status: 503, reason: HOSTILE_REASON },
      { at: new Date(now - 60_000).toISOString(), deliveryId: 'dlv_19c2', channel: 'sms', destination: 'sms', priority: 'high', status: 429, reason: 'Too Many Requests' },
    ],
    recentDeadEvents: [{ at: new Date(now - 900_000).toISOString(), eventId: 'evt_52e1', table: 'wedding_vendors', reason: 'wedding not found in organization' }],
  };
}

function recovered(): StatusSnapshot {
  const base = failing();
  return {
    ...base,
    generatedAt: new Date().toISOString(),
    // Ready, but the Slack webhook held on for a wedding still wants a person: degraded.
    readiness: {
      status: 'degraded',
      components: {
        'subscription:weddings': { ready: true, state: 'live', reason: null },
        'subscription:wedding_timeline': { ready: true, state: 'live', reason: null },
        destinations: { ready: true, state: 'degraded', reason: '1 destination(s) need attention' },
      },
    },
    subscriptions: [weddings, { ...timelineDown, live: true, state: 'live', reason: null, newestChangeAgeMs: 1_000, lastCatchUp: { recovered: 17, ms: 320, at: new Date().toISOString() } }],
    queue: { byLevel: { critical: 0, high: 2, normal: 4, low: 1 }, oldestCriticalAgeMs: null },
    destinations: base.destinations.map((d) => (d.key === partnerOpen.key ? { ...d, condition: 'healthy', reason: null, consecutiveFailures: 0, openUntil: null, waiting: 0 } : d)),
  };
}

let browser: Browser;
let server: HealthServer;
let origin: string;
let current: StatusSnapshot | Error = failing();

beforeAll(async () => {
  browser = await launchChromium();
  server = createHealthServer({
    host: '127.0.0.1',
    port: 0,
    alive: () => true,
    readiness: () => (current instanceof Error ? failing() : current).readiness,
    metrics: new Registry(),
    status: async () => {
      if (current instanceof Error) throw current;
      return current;
    },
  });
  origin = `http://127.0.0.1:${await server.listen()}`;
}, 20_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

interface Opened { context: BrowserContext; page: Page; requests: string[]; problems: string[]; navigations: () => number }

async function open(options: Parameters<Browser['newContext']>[0] = {}): Promise<Opened> {
  const context = await browser.newContext(options);
  const requests = recordRequests(context);
  const page = await context.newPage();
  const problems: string[] = [];
  // A CSP violation (the inline script or style refused) shows up as a console error.
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('dialog', (d) => {
    problems.push(`dialog opened: ${d.message()}`);
    void d.dismiss();
  });
  let navigations = 0;
  page.on('framenavigated', (frame) => frame === page.mainFrame() && (navigations += 1));
  await page.goto(`${origin}/status?refresh=1`);
  return { context, page, requests, problems, navigations: () => navigations };
}

describe('/status in headless Chromium', () => {
  it('shows the failing subscription and the open circuit by name, and updates itself when they recover', async () => {
    current = failing();
    const { context, page, requests, problems, navigations } = await open({ viewport: { width: 1200, height: 900 }, colorScheme: 'light' });

    await expect(page.locator('#overall h2').innerText()).resolves.toBe('Not ready');
    await expect(page.locator('#overall').innerText()).resolves.toContain('subscription:wedding_timeline');

    const timeline = page.locator('[data-subscription="wedding_timeline"]');
    await expect(timeline.getAttribute('data-live')).resolves.toBe('false');
    const timelineText = await timeline.innerText();
    expect(timelineText).toContain('wedding_timeline');
    expect(timelineText).toContain('Not live');
    expect(timelineText).toContain('channel closed by the server (phx_close); rebuilding in 5 s');

    const partner = page.locator('[data-destination="webhook:ep_partner_1"]');
    await expect(partner.getAttribute('data-condition')).resolves.toBe('open');
    const partnerText = await partner.innerText();
    expect(partnerText).toContain('webhook:ep_partner_1');
    expect(partnerText).toContain('Circuit open');
    expect(partnerText).toContain('HTTP 503 five times in a row');

    await expect(page.locator('#oldest-critical').getAttribute('data-old')).resolves.toBe('true');
    // The hostile reason is shown as text, not run.
    await expect(page.locator('[data-failure="dlv_7f3a"]').innerText()).resolves.toContain(HOSTILE_REASON);
    // The inline style applied and the inline script ran, both under the CSP.
    // (Expressions as strings: this project's TypeScript has no DOM library.)
    await expect(page.evaluate(`getComputedStyle(document.getElementById('overall')).borderTopStyle`)).resolves.toBe('solid');
    await expect(page.locator('#refresh-note').innerText()).resolves.toMatch(/^Updated /);

    await page.screenshot({ path: artifactPath('status-page.png'), fullPage: true });

    current = recovered();
    // No reload: the page's own refresh must bring the change.
    await waitFor(async () => (await partner.getAttribute('data-condition')) === 'healthy' && (await timeline.getAttribute('data-live')) === 'true', {
      timeoutMs: 8_000,
      intervalMs: 100,
      what: 'the page to show the recovered subscription and circuit by itself',
    });
    await expect(page.locator('#overall h2').innerText()).resolves.toBe('Degraded');
    await expect(page.locator('#overall').innerText()).resolves.not.toContain('wedding_timeline');
    await expect(page.title()).resolves.toMatch(/^Degraded/);
    await expect(page.locator('[data-subscription="wedding_timeline"]').innerText()).resolves.toContain('recovered 17 changes');
    await expect(page.locator('#oldest-critical').innerText()).resolves.toBe('No critical delivery waiting.');
    await page.screenshot({ path: artifactPath('status-page-recovered.png'), fullPage: true });

    expect(problems).toEqual([]);
    expect(navigations()).toBe(1); // updated in place, never reloaded
    expect(requests.length).toBeGreaterThan(1);
    expect(offOrigin(requests, origin)).toEqual([]);
    await context.close();
  });

  it('says it has lost the worker when a refresh fails, and recovers; readable on a phone in the dark', async () => {
    current = failing();
    const { context, page, requests, problems } = await open({ viewport: { width: 390, height: 844 }, colorScheme: 'dark', isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    // The first screen a person sees on a phone, and the whole page.
    await page.screenshot({ path: artifactPath('status-page-phone-dark.png') });
    await page.screenshot({ path: artifactPath('status-page-phone-dark-full.png'), fullPage: true });

    current = new Error('database unreachable');
    const lost = page.locator('#connection');
    await lost.waitFor({ state: 'visible', timeout: 8_000 });
    await expect(lost.innerText()).resolves.toMatch(/No answer from the worker since .* \(HTTP 503\)/);
    // The last figures stay on screen, marked stale.
    await expect(page.locator('[data-subscription="wedding_timeline"]').count()).resolves.toBe(1);

    current = failing();
    await lost.waitFor({ state: 'hidden', timeout: 8_000 });
    await expect(page.locator('body').getAttribute('data-connection')).resolves.toBe('ok');

    // The layout fits the phone's width: nothing scrolls sideways.
    await expect(page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).resolves.toBe(true);
    expect(problems.filter((p) => !p.includes('503'))).toEqual([]);
    expect(offOrigin(requests, origin)).toEqual([]);
    await context.close();
  });
});
