import { describe, expect, it } from '@jest/globals';
import type { OnCallView } from '../../../src/outcome/status-oncall';
import { renderOnCall } from '../../../src/outcome/status-page-oncall';

const HOSTILE = '<img src=x onerror=alert(1)>"\'&';

function view(overrides: Partial<OnCallView> = {}): OnCallView {
  return {
    windowMs: 900_000,
    channels: [],
    destinations: [],
    destinationsTotal: 0,
    oldestWaitingCritical: null,
    deadLetters: [],
    deadLettersTotal: 0,
    weddingsToday: [],
    weddingsTodayTotal: 0,
    weddingsTodayInTrouble: 0,
    weddingsInDayMode: 0,
    ...overrides,
  };
}

describe('the on-call sections of /status', () => {
  it('escapes every value that comes from a remote server or the ledger', () => {
    const html = renderOnCall(
      view({
        channels: [{ channel: 'webhook', destination: null, delivered: 0, failed: 1, retrying: 0, p95Ms: null }],
        destinations: [{ channel: 'webhook', destination: `webhook:${HOSTILE}`, delivered: 0, failed: 1, retrying: 0, p95Ms: null }],
        destinationsTotal: 1,
        deadLetters: [{ reason: HOSTILE, destination: `webhook:${HOSTILE}`, count: 1, lastAt: null }],
        deadLettersTotal: 1,
      }),
      '2026-06-13T12:00:00.000Z',
    );
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;');
  });

  it('says so when nothing moved, instead of empty tables', () => {
    const html = renderOnCall(view(), '2026-06-13T12:00:00.000Z');
    expect(html).toContain('Nothing delivered, failed or retrying in the last 15 min.');
    expect(html).toContain('No dead letters.');
    expect(html).not.toContain('<table');
  });

  it('renders nothing without a database', () => {
    expect(renderOnCall(null, '2026-06-13T12:00:00.000Z')).toBe('');
  });
});
