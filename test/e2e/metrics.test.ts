import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DateTime } from 'luxon';
import { assignVendor, insertOrganization, insertVendor, insertWedding } from '../support/fixtures';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text';
import { startStack, type Stack } from '../support/start-stack';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.close());

async function scrape() {
  const response = await fetch(`${s.healthUrl}/metrics`);
  expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4');
  return parsePrometheusText(await response.text());
}

describe('/metrics', () => {
  it('is Prometheus text whose counters, gauges and histograms move with traffic', async () => {
    // Counters are read as what this test added to them, gauges as the state it leaves.
    const before = await scrape();
    const decidedBefore = s.decidedCount();
    const added = (after: typeof before, name: string, labels: Record<string, string>) => (sampleValue(after, name, labels) ?? 0) - (sampleValue(before, name, labels) ?? 0);
    const org = await insertOrganization(s.db.pool);
    const wedding = await insertWedding(s.db.pool, { organizationId: org, weddingDate: DateTime.now().plus({ days: 50 }).toISODate()! });
    const vendor = await insertVendor(s.db.pool, { organizationId: org, email: 'lens@m.test' });
    await assignVendor(s.db.pool, { organizationId: org, weddingId: wedding, vendorId: vendor });
    s.realtime.emitChange({ table: 'form_responses', type: 'INSERT', record: { id: 'm1', organization_id: org, wedding_id: wedding, vendor_id: vendor } });
    s.realtime.pushRawChange('form_responses', { schema: 'public', table: 'form_responses', type: 'INSERT', commit_timestamp: null, columns: [], record: {}, errors: ['Error 401: Unauthorized'] });
    await s.settled(1, decidedBefore);

    const after = await scrape();
    expect(added(after, 'wedsync_deliveries_total', { channel: 'email', outcome: 'delivered' })).toBe(1);
    expect(added(after, 'wedsync_changes_received_total', { table: 'form_responses', operation: 'INSERT' })).toBeGreaterThanOrEqual(1);
    expect(added(after, 'wedsync_changes_rejected_total', { reason: 'upstream_error' })).toBe(1);
    expect(added(after, 'wedsync_delivery_attempt_seconds_count', { channel: 'email', outcome: 'success' })).toBe(1);
    expect(sampleValue(after, 'wedsync_queue_depth', { priority: 'critical' })).toBe(0);
    expect(sampleValue(after, 'wedsync_oldest_pending_critical_seconds')).toBe(0);
    expect(sampleValue(after, 'wedsync_intake_live', { subscription: 'form-responses' })).toBe(1);
    expect(sampleValue(after, 'wedsync_destinations', { condition: 'open' })).toBe(0);
    expect(sampleValue(after, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('shows the size of everything kept per destination, person or secret; a finished delivery leaves no limiter entry', async () => {
    const keyed = (await scrape()).filter((sample) => sample.name === 'wedsync_keyed_entries');
    expect(Object.fromEntries(keyed.map((sample) => [sample.labels.structure, sample.value]))).toEqual({
      limiter_destinations_active: 0,
      // The email's log (1 s window) may or may not have passed by now.
      limiter_logs_in_process: expect.any(Number),
      // The vendor booked against the hourly cap above, well inside its hour.
      hourly_cap_people: 1,
      webhook_signer_secrets: 0,
      destination_health: 0,
      // No organization here has the Slack app: no client opened.
      slack_app_clients: 0,
    });
  });
});
