/**
 * Figure 3 — worker-added latency: from the loopback Realtime server pushing a change to the
 * receiver getting its webhook, p50 and p99, at 200 changes a second, with the durable queue on.
 *
 * The worker is the real entry point in its own process, with DATABASE_URL on this run's schema
 * and the rules of bench/lib/worker-config.ts (every change of one table to one file endpoint, no
 * binding limit). Its path: supabase-js → validation, dedupe → decide → ledger + job insert
 * (one statement) → LISTEN/NOTIFY → graphile-worker → ledger load, breaker check, limiter →
 * signed POST → ledger update. Baseline: the same worker and rules without DATABASE_URL (the
 * in-memory dispatcher), i.e. the same path minus the durable queue. Context: the durable path at
 * 50 changes a second, a rate it keeps up with here, to tell its own latency from queueing.
 */
import { latencySummary, LoopbackWorld, steadyRun, type SteadyRun } from './lib/steady-load';
import type { BenchDatabase } from './lib/db';
import type { WorkerSpawnOptions } from './lib/processes';
import { judged, type FigureResult, type RunOptions } from './lib/result';
import { fmt } from './lib/stats';

const GOAL_P99_MS = 100;
const RATE = 200;
const LOW_RATE = 50;

export async function runLatency(options: RunOptions, db: BenchDatabase, entry: WorkerSpawnOptions['entry']): Promise<FigureResult> {
  const durationMs = options.quick ? 2_000 : 15_000;
  const warmupMs = options.quick ? 300 : 2_000;
  const world = await LoopbackWorld.start();
  const run = (label: string, rate: number, databaseUrl: string | null, queue?: string) =>
    steadyRun(world, { label, ratePerS: rate, durationMs, warmupMs, databaseUrl, ...(queue ? { queueSchema: db.queueSchema(queue) } : {}), entry, log: options.log, stragglerWaitMs: options.quick ? 5_000 : 30_000 });
  try {
    options.log(`  durable queue: ${RATE} changes/s for ${durationMs / 1000} s`);
    const durable = await run('fig3-durable', RATE, db.databaseUrl, 'gw3');
    options.log(`  in memory (no DATABASE_URL): ${RATE} changes/s for ${durationMs / 1000} s`);
    const memory = await run('fig3-memory', RATE, null);
    // Quick mode skips the context run: one worker start less.
    let low: SteadyRun | null = null;
    if (!options.quick) {
      options.log(`  durable queue: ${LOW_RATE} changes/s for ${durationMs / 1000} s`);
      low = await run('fig3-durable-low', LOW_RATE, db.databaseUrl, 'gw3b');
    }
    const d = latencySummary(durable.latenciesMs);
    const m = latencySummary(memory.latenciesMs);
    const l = low ? latencySummary(low.latenciesMs) : null;
    const describe = (name: string, r: SteadyRun, s: typeof d) =>
      `${name}: ${s.n} samples, p50 ${fmt(s.p50)} ms, p99 ${fmt(s.p99)} ms, max ${fmt(s.max)} ms, ${r.missing === 0 ? 'none missing' : `${r.missing} had not arrived 30 s after the last push (counted with the time they had waited: the figures are lower bounds)`}.`;
    // A queue that keeps up has no trend; one that does not shows latency growing with the push time.
    const late = durable.latenciesMs.slice(-Math.ceil(durable.latenciesMs.length / 10));
    const early = durable.latenciesMs.slice(0, Math.ceil(durable.latenciesMs.length / 10));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    return {
      title: 'Worker-added latency',
      rows: [
        { id: '3a', what: `push → webhook received, p50, durable queue, ${RATE}/s`, value: d.p50, unit: 'ms', baseline: { what: 'same, in memory (no DATABASE_URL), p50', value: m.p50 }, ratio: d.p50 / m.p50, goal: '', met: null },
        { id: '3b', what: `push → webhook received, p99, durable queue, ${RATE}/s`, value: d.p99, unit: 'ms', baseline: { what: 'same, in memory (no DATABASE_URL), p99', value: m.p99 }, ratio: d.p99 / m.p99, goal: `< ${GOAL_P99_MS} ms`, met: judged(options, d.p99 < GOAL_P99_MS) },
        ...(l ? [{ id: '3b·', what: `the same, p99, durable queue at ${LOW_RATE}/s`, value: l.p99, unit: 'ms', baseline: { what: 'in memory at 200/s, p99', value: m.p99 }, ratio: l.p99 / m.p99, goal: '', met: null }] : []),
      ],
      notes: [
        `Open loop: changes pushed on a fixed schedule for ${durationMs / 1000} s; those of the first ${warmupMs / 1000} s are not counted. The worker processes are the ${entry.kind === 'tsx' ? 'tsx' : 'compiled'} entry.`,
        describe(`Durable at ${RATE}/s`, durable, d) + ` Mean latency of the first tenth of the changes ${fmt(mean(early))} ms, of the last tenth ${fmt(mean(late))} ms${mean(late) > 3 * mean(early) ? ': it grows with time, i.e. the durable path falls behind 200 changes a second on this machine and a backlog builds (compare figure 5)' : ''}.`,
        describe(`In memory at ${RATE}/s`, memory, m),
        ...(low && l ? [describe(`Durable at ${LOW_RATE}/s`, low, l)] : []),
        'Clock: the Realtime server and the receiver run in the bench process, so both ends are read on one clock; the worker is a separate process. All three, plus PostgreSQL, share the 2 cores.',
      ],
    };
  } finally {
    await world.close();
  }
}
