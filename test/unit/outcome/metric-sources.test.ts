import { describe, expect, it } from '@jest/globals';
import { DestinationHealth } from '../../../src/deliver/destinations';
import { gaugeSources } from '../../../src/outcome/metric-sources';

describe('the gauges of a scrape', () => {
  it('count the pending deliveries once for both queue gauges, not once each', async () => {
    let counts = 0;
    const ledger = { backlog: async () => ((counts += 1), { byLevel: { critical: 2, high: 0, normal: 5, low: 0 }, oldestCriticalMs: 1_000 }) };
    const queue = { ledger, destinationRows: async () => [] } as unknown as Parameters<typeof gaugeSources>[0]['queue'];
    const sources = gaugeSources({ queue, intake: () => [], destinations: new DestinationHealth(), now: () => 0 });
    // What wedsync_queue_depth and wedsync_oldest_pending_critical_seconds each ask for, at one scrape.
    const [depth, oldest] = await Promise.all([sources.backlog!(), sources.backlog!()]);
    expect(depth.byLevel.normal).toBe(5);
    expect(oldest.oldestCriticalMs).toBe(1_000);
    expect(counts).toBe(1);
  });
});
