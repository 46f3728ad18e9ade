import { describe, expect, it } from '@jest/globals';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { heapAfterFullGcBytes } from '../../../src/outcome/heap-after-gc';
import { createMetrics } from '../../../src/outcome/metrics';
import { waitFor } from '../../support/wait-for';

setFlagsFromString('--expose-gc');
const fullCollection = runInNewContext('gc') as () => void;

/** The heap in use while ~80 MB of doubles are held; they are garbage once this returns. */
function heapUsedHoldingGarbage(): number {
  const garbage = Array.from({ length: 400 }, () => Array.from({ length: 25_000 }, (_, i) => i + 0.5));
  return garbage.length === 400 ? process.memoryUsage().heapUsed : Number.NaN;
}

describe('the heap after a full collection', () => {
  it('reports what is alive after a full collection, not the garbage before it, and /metrics shows it', async () => {
    const metrics = createMetrics();
    const withGarbage = heapUsedHoldingGarbage();
    fullCollection();
    // ~80 MB of doubles were let go: what is left after the collection is well below.
    await waitFor(() => (heapAfterFullGcBytes() ?? Infinity) < withGarbage - 50 * 2 ** 20, { what: 'the full collection observed' });
    const text = await metrics.registry.metrics();
    const reported = Number(/^wedsync_heap_after_full_gc_bytes (\d+)$/m.exec(text)?.[1]);
    expect(reported).toBeLessThan(withGarbage - 50 * 2 ** 20);
    expect(reported).toBeGreaterThan(0);
  });
});
