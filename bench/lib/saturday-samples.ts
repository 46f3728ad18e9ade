import { loadavg } from 'node:os';
import type { Pool } from 'pg';
import { cpuSecondsOf, postgresCpu, postgresCpuSince, rssOf, scrapeMetrics } from './processes';
import { limitOf, pendingByDestination, slotsHeld } from './saturday-ledger';
import type { Received } from './saturday-world';
import { fmt, sleep } from './stats';

const DELIVERED = 'wedsync_deliveries_total{outcome="delivered"}';
const WORKER_METRICS = ['nodejs_heap_size_used_bytes', 'wedsync_heap_after_full_gc_bytes', 'wedsync_changes_deferred_total', DELIVERED] as const;

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
  /** Pending deliveries per limit: the whole queue, and the deepest single destination under it (queue samples only). */
  readonly pending: Record<string, { total: number; deepest: number }> | null;
  /** Deliveries delivered so far, every channel, in-app included (the worker's wedsync_deliveries_total). */
  readonly delivered: number;
  readonly received: Received;
  /** The queue's job slots held at the sample, by priority·channel (queue samples only). */
  readonly slots: Record<string, number> | null;
}

/**
 * Samples the worker (CPU from /proc, RSS, its /metrics), PostgreSQL's CPU and the load average
 * every `everyMs` until stopped, and the queue (pending deliveries by destination, slots held)
 * every `queueEveryMs`. The queue's readings are statements over every pending row: every 5 s they
 * held ~0.65 of a PostgreSQL backend in a full run (0.28 on CPU), a load the worker under test
 * would not have, so they are taken less often and "delivered" comes from the worker's counter.
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
    private readonly queueEveryMs = 30_000,
  ) {}

  start(startMs: number): void {
    this.loop = (async () => {
      let cpu = cpuSecondsOf(this.pid);
      let pg = postgresCpu();
      let at = performance.now();
      let queueAt = Number.NEGATIVE_INFINITY;
      for (let next = startMs + this.everyMs; this.running; next += this.everyMs) {
        const wait = next - performance.now();
        if (wait > 0) await sleep(wait);
        if (!this.running) break;
        const readQueue = performance.now() - queueAt >= this.queueEveryMs - this.everyMs / 2;
        if (readQueue) queueAt = performance.now();
        const pending = readQueue ? await pendingByDestination(this.pool).catch(() => new Map<string, number>()) : null;
        const slots = readQueue ? await slotsHeld(this.pool, this.queueSchema).catch(() => ({})) : null;
        const scraped = await scrapeMetrics(this.healthPort, [...WORKER_METRICS]);
        const now = performance.now();
        const seconds = (now - at) / 1000;
        const cpuNow = cpuSecondsOf(this.pid);
        const perLimit: Sample['pending'] = pending ? {} : null;
        for (const [destination, n] of pending ?? []) {
          const entry = (perLimit![limitOf(destination)] ??= { total: 0, deepest: 0 });
          entry.total += n;
          entry!.deepest = Math.max(entry!.deepest, n);
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
          delivered: scraped[DELIVERED]!,
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
      for (const [limit, p] of Object.entries(s.pending ?? {})) {
        const seen = out.get(limit);
        if (!seen || p.total > seen.total) out.set(limit, { total: p.total, deepest: Math.max(p.deepest, seen?.deepest ?? 0), atS: s.atS });
        else seen.deepest = Math.max(seen.deepest, p.deepest);
      }
    }
    return out;
  }

  /** The series as markdown note lines: one line a metric, a value a sample. */
  seriesNotes(limits: readonly string[]): string[] {
    const row = (label: string, samples: readonly Sample[], pick: (s: Sample) => number) => `  - ${label}: ${samples.map((s) => fmt(pick(s), 2)).join(' · ')}`;
    const all = this.samples;
    const queue = all.filter((s) => s.pending !== null);
    return [
      `Every ${this.everyMs / 1000} s from the first write (${all.length} samples):`,
      row('t (s)', all, (s) => Math.round(s.atS)),
      row('worker CPU (share of a core)', all, (s) => s.workerCore),
      row('worker RSS (MB)', all, (s) => s.rssMb),
      row('worker V8 heap used (MB)', all, (s) => s.heapMb),
      row('worker V8 heap after the last full collection (MB)', all, (s) => s.liveHeapMb),
      row('live changes left to catch-up so far (deciding behind)', all, (s) => s.deferred),
      row('PostgreSQL CPU (cores, every backend of the machine)', all, (s) => s.postgresCore),
      row('load average (1 min)', all, (s) => s.load1),
      row('delivered so far (the worker\'s wedsync_deliveries_total)', all, (s) => s.delivered),
      `The queue, read in the ledger every ${this.queueEveryMs / 1000} s (${queue.length} readings):`,
      row('t (s)', queue, (s) => Math.round(s.atS)),
      `  - queue slots held (running jobs by priority·channel): ${queue.map((s) => Object.entries(s.slots ?? {}).map(([k, n]) => `${k} ${n}`).join(', ') || 'none').join(' · ')}`,
      ...limits.map((limit) => row(`pending behind ${limit}`, queue, (s) => s.pending?.[limit]?.total ?? 0) + deepestSuffix(queue, limit)),
    ];
  }
}

function deepestSuffix(samples: readonly Sample[], limit: string): string {
  if (limit === 'email' || limit === 'sms' || limit === 'in_app' || limit === 'archive') return '';
  return `; the deepest single destination: ${samples.map((s) => fmt(s.pending?.[limit]?.deepest ?? 0, 2)).join(' · ')}`;
}
