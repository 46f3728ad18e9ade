import { loadavg } from 'node:os';
import type { Pool } from 'pg';
import { cpuSecondsOf, postgresCpu, postgresCpuSince, rssOf, scrapeMetrics } from './processes';
import { deliveredSoFar, limitOf, pendingByDestination, slotsHeld } from './saturday-ledger';
import type { Received } from './saturday-world';
import { fmt, sleep } from './stats';

export interface Sample {
  readonly atS: number;
  /** Worker CPU over the last interval, as a share of one core. */
  readonly workerCore: number;
  readonly workerCpuS: number;
  readonly rssMb: number;
  /** V8 heap used, from the worker's /metrics. */
  readonly heapMb: number;
  /** V8 heap in use after the last full collection: what is alive (wedsync_heap_after_full_gc_bytes). */
  readonly liveHeapMb: number;
  /** Live changes left to catch-up so far, deciding being behind (wedsync_changes_deferred_total). */
  readonly deferred: number;
  readonly postgresCore: number;
  readonly load1: number;
  /** Pending deliveries per limit: the whole queue, and the deepest single destination under it. */
  readonly pending: Record<string, { total: number; deepest: number }>;
  /** Deliveries the ledger has as delivered so far (every channel, in-app included). */
  readonly delivered: number;
  readonly received: Received;
  /** The queue's job slots held at the sample, by priority·channel. */
  readonly slots: Record<string, number>;
}

/**
 * Samples the worker (CPU from /proc, RSS), PostgreSQL's CPU, the load average and the ledger's
 * pending deliveries every `everyMs` until stopped. The ledger query reads the pending rows only
 * (the partial index deliveries_pending_idx), so its own cost stays small next to the run.
 */
export class Sampler {
  readonly samples: Sample[] = [];
  private running = true;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly pid: number,
    private readonly healthPort: number,
    private readonly received: Received,
    private readonly queueSchema: string,
    private readonly everyMs = 5_000,
  ) {}

  start(startMs: number): void {
    this.loop = (async () => {
      let cpu = cpuSecondsOf(this.pid);
      let pg = postgresCpu();
      let at = performance.now();
      for (let next = startMs + this.everyMs; this.running; next += this.everyMs) {
        const wait = next - performance.now();
        if (wait > 0) await sleep(wait);
        if (!this.running) break;
        const pending = await pendingByDestination(this.pool).catch(() => new Map<string, number>());
        const slots = await slotsHeld(this.pool, this.queueSchema).catch(() => ({}));
        const scraped = await scrapeMetrics(this.healthPort, ['nodejs_heap_size_used_bytes', 'wedsync_heap_after_full_gc_bytes', 'wedsync_changes_deferred_total']);
        const delivered = await deliveredSoFar(this.pool).catch(() => Number.NaN);
        const now = performance.now();
        const seconds = (now - at) / 1000;
        const cpuNow = cpuSecondsOf(this.pid);
        const perLimit: Sample['pending'] = {};
        for (const [destination, n] of pending) {
          const entry = (perLimit[limitOf(destination)] ??= { total: 0, deepest: 0 });
          entry.total += n;
          entry.deepest = Math.max(entry.deepest, n);
        }
        this.samples.push({
          atS: (now - startMs) / 1000,
          workerCore: (cpuNow - cpu) / seconds,
          workerCpuS: cpuNow,
          rssMb: rssOf(this.pid) / 2 ** 20,
          heapMb: scraped.nodejs_heap_size_used_bytes! / 2 ** 20,
          liveHeapMb: scraped.wedsync_heap_after_full_gc_bytes! / 2 ** 20,
          deferred: Number.isNaN(scraped.wedsync_changes_deferred_total!) ? 0 : scraped.wedsync_changes_deferred_total!,
          postgresCore: postgresCpuSince(pg) / seconds,
          load1: loadavg()[0]!,
          pending: perLimit,
          delivered,
          received: { ...this.received },
          slots,
        });
        cpu = cpuNow;
        pg = postgresCpu();
        at = now;
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /**
   * Worker CPU a delivery, from the samples after `decidedByS` (nothing left to decide: the CPU
   * is the deliveries'), and a change's deciding CPU before it with those deliveries taken out.
   */
  split(decidedByS: number, decided: number, cpuAtStartS: number): { deliveryMs: number; decideMs: number; drainSamples: number } | null {
    const atDecided = [...this.samples].reverse().find((s) => s.atS <= decidedByS + 5);
    const drain = this.samples.filter((s) => s.atS > decidedByS + 5);
    if (!atDecided || drain.length < 2) return null;
    const [a, b] = [drain[0]!, drain.at(-1)!];
    if (b.delivered - a.delivered < 50) return null;
    const deliveryMs = ((b.workerCpuS - a.workerCpuS) * 1000) / (b.delivered - a.delivered);
    const cpuToDecided = (atDecided.workerCpuS - cpuAtStartS) * 1000;
    const decideMs = (cpuToDecided - atDecided.delivered * deliveryMs) / Math.max(1, decided);
    // Behind a spent limit the drain phase's CPU is mostly put-backs, not sends: a delivery then
    // "costs" more than the whole writing phase spent on each, and the split says nothing.
    if (decideMs <= 0) return null;
    return { deliveryMs, decideMs, drainSamples: drain.length };
  }

  /** The deepest queue each limit had at any sample. */
  deepest(): Map<string, { total: number; deepest: number; atS: number }> {
    const out = new Map<string, { total: number; deepest: number; atS: number }>();
    for (const s of this.samples) {
      for (const [limit, p] of Object.entries(s.pending)) {
        const seen = out.get(limit);
        if (!seen || p.total > seen.total) out.set(limit, { total: p.total, deepest: Math.max(p.deepest, seen?.deepest ?? 0), atS: s.atS });
        else seen.deepest = Math.max(seen.deepest, p.deepest);
      }
    }
    return out;
  }

  /** The series as markdown note lines: one line a metric, a value a sample. */
  seriesNotes(limits: readonly string[]): string[] {
    const row = (label: string, pick: (s: Sample) => number) => `  - ${label}: ${this.samples.map((s) => fmt(pick(s), 2)).join(' · ')}`;
    return [
      `Every ${this.everyMs / 1000} s from the first write (${this.samples.length} samples):`,
      row('t (s)', (s) => Math.round(s.atS)),
      row('worker CPU (share of a core)', (s) => s.workerCore),
      row('worker RSS (MB)', (s) => s.rssMb),
      row('worker V8 heap used (MB)', (s) => s.heapMb),
      row('worker V8 heap after the last full collection (MB)', (s) => s.liveHeapMb),
      row('live changes left to catch-up so far (deciding behind)', (s) => s.deferred),
      row('PostgreSQL CPU (cores, every backend of the machine)', (s) => s.postgresCore),
      row('load average (1 min)', (s) => s.load1),
      row('delivered so far (ledger)', (s) => s.delivered),
      `  - queue slots held (running jobs by priority·channel): ${this.samples.map((s) => Object.entries(s.slots).map(([k, n]) => `${k} ${n}`).join(', ') || 'none').join(' · ')}`,
      ...limits.map((limit) => row(`pending behind ${limit}`, (s) => s.pending[limit]?.total ?? 0) + deepestSuffix(this.samples, limit)),
    ];
  }
}

function deepestSuffix(samples: readonly Sample[], limit: string): string {
  if (limit === 'email' || limit === 'sms' || limit === 'in_app' || limit === 'archive') return '';
  return `; the deepest single destination: ${samples.map((s) => fmt(s.pending[limit]?.deepest ?? 0, 2)).join(' · ')}`;
}
