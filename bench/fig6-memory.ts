/**
 * Figure 6 — memory of the worker process (its RSS from /proc, its heap from its own /metrics).
 *
 * 6a: with 100,000 deliveries pending. The worker runs (the real entry point, durable queue on
 * this run's schema); its idle RSS is the baseline; then 100,000 deliveries are persisted into
 * its queue (ledger rows + jobs, 1,000 a statement, from this process) to one partner endpoint
 * with the tenant default limit (100 a minute) and a receiver that takes 1 s to
 * answer. So they are due now and stay pending: the queue keeps picking them up and putting them
 * back behind the limit, the busiest a backlog gets. Peak RSS over the observation window.
 *
 * 6b: flat, not growing, under a steady 200 changes a second through Realtime, for 2.5 minutes by
 * default (10 minutes do not fit the 10-minute budget of `npm run bench`; `--long` runs them):
 * RSS and heap sampled every 5 s, slope by least squares after the first 30 s (start-up, JIT,
 * connection pools filling). Baseline: the first sample of the run.
 */
import { Pool } from 'pg';
import { DeliveryLedger } from '../src/deliver/durable/delivery-ledger';
import type { BenchDatabase } from './lib/db';
import { rssOf, scrapeMetric, spawnReceiver, spawnWorker, type WorkerSpawnOptions } from './lib/processes';
import { judged, type FigureResult, type FigureRow, type RunOptions } from './lib/result';
import { latencySummary, LoopbackWorld, steadyRun, type MemorySample } from './lib/steady-load';
import { fmt, MB, sleep, slope } from './lib/stats';
import { benchEnv, benchRulesFile, webhookDelivery } from './lib/worker-config';

const GOAL_RSS_MB = 300;
/** "Flat": at most this many MB a minute, i.e. 10 MB over the issue's 10 minutes. */
const FLAT_MB_PER_MIN = 1;

async function pendingMemory(options: RunOptions, db: BenchDatabase, entry: WorkerSpawnOptions['entry']) {
  const n = options.quick ? 2_000 : 100_000;
  const observeMs = options.quick ? 1_000 : 20_000;
  const queueSchema = db.queueSchema('gw6');
  const pool = new Pool({ connectionString: db.databaseUrl, max: 2 });
  pool.on('error', () => undefined);
  const receiver = await spawnReceiver(1_000);
  const world = await LoopbackWorld.start();
  const worker = await spawnWorker({ entry, env: benchEnv(world.realtime.url, db.databaseUrl), configFile: benchRulesFile(receiver.url, { queueSchema }), label: 'fig6-pending' });
  try {
    if (!(await worker.untilReady(30_000))) throw new Error(`worker never became ready:\n${worker.logTail()}`);
    // Settle after start-up (JIT, pools) before the idle reading.
    await sleep(options.quick ? 500 : 2_000);
    const idleMb = rssOf(worker.child.pid!) / MB;
    options.log(`  idle RSS ${fmt(idleMb)} MB; persisting ${fmt(n)} deliveries`);
    const ledger = new DeliveryLedger(pool, queueSchema);
    const url = `${receiver.url}/hooks/wedsync`;
    let peakMb = idleMb;
    const started = performance.now();
    for (let added = 0; added < n; added += 1_000) {
      // rateLimit null: the tenant default (100 a minute), as for a partner endpoint row.
      await ledger.enqueue(Array.from({ length: Math.min(1_000, n - added) }, () => webhookDelivery(url, { tag: 'fig6' })));
      peakMb = Math.max(peakMb, rssOf(worker.child.pid!) / MB);
    }
    const persistS = (performance.now() - started) / 1000;
    const end = performance.now() + observeMs;
    while (performance.now() < end) {
      peakMb = Math.max(peakMb, rssOf(worker.child.pid!) / MB);
      await sleep(500);
    }
    const heapMb = (await scrapeMetric(worker.healthPort, 'nodejs_heap_size_used_bytes')) / MB;
    const { rows } = await pool.query<{ pending: number }>(`select count(*)::int as pending from deliveries where status = 'pending' and id like 'dlv_fig6_%'`);
    return { n, idleMb, peakMb, heapMb, persistS, observeMs, pending: rows[0]!.pending, sent: await receiver.received() };
  } finally {
    await worker.stop();
    await world.close();
    await receiver.close();
    await pool.end();
  }
}

function steadySlopes(samples: readonly MemorySample[], skipS: number) {
  const kept = samples.filter((s) => s.atS >= skipS);
  const points = kept.length >= 3 ? kept : samples;
  return {
    rss: slope(points.map((s) => ({ x: s.atS / 60, y: s.rssMb }))),
    heap: slope(points.map((s) => ({ x: s.atS / 60, y: s.heapMb }))),
    n: points.length,
  };
}

export async function runMemory(options: RunOptions, db: BenchDatabase, entry: WorkerSpawnOptions['entry']): Promise<FigureResult> {
  options.log(`  6a: ${options.quick ? '2,000' : '100,000'} deliveries pending`);
  const pending = await pendingMemory(options, db, entry);
  const durationMs = options.quick ? 4_000 : options.long ? 600_000 : 150_000;
  const skipS = options.quick ? 0 : 30;
  options.log(`  6b: steady 200 changes/s for ${durationMs / 1000} s`);
  const world = await LoopbackWorld.start();
  let steady;
  try {
    steady = await steadyRun(world, {
      label: 'fig6-steady',
      ratePerS: 200,
      durationMs,
      warmupMs: skipS * 1000,
      databaseUrl: db.databaseUrl,
      queueSchema: db.queueSchema('gw6b'),
      sampleEveryMs: options.quick ? 1_000 : 5_000,
      // Memory is the point here; the latency of the stragglers is figure 3's business.
      stragglerWaitMs: 5_000,
      entry,
      log: options.log,
    });
  } finally {
    await world.close();
  }
  const slopes = steadySlopes(steady.samples, skipS);
  const first = steady.samples[0]!;
  const last = steady.samples.at(-1)!;
  const flat = slopes.rss <= FLAT_MB_PER_MIN;
  const latency = latencySummary(steady.latenciesMs);
  const rows: FigureRow[] = [
    { id: '6a', what: `worker RSS with ${fmt(pending.n)} deliveries pending (peak)`, value: pending.peakMb, unit: 'MB', baseline: { what: 'the same worker idle, empty queue', value: pending.idleMb }, ratio: pending.peakMb / pending.idleMb, goal: `< ${GOAL_RSS_MB} MB`, met: judged(options, pending.peakMb < GOAL_RSS_MB) },
    { id: '6b', what: `RSS slope at 200 changes/s over ${fmt(durationMs / 60_000)} min`, value: slopes.rss, unit: 'MB/min', baseline: { what: 'RSS at the first sample (MB)', value: first.rssMb }, ratio: last.rssMb / first.rssMb, goal: `flat (≤ ${FLAT_MB_PER_MIN} MB/min)`, met: judged(options, flat) },
    { id: '6b·', what: 'heap-used slope over the same run', value: slopes.heap, unit: 'MB/min', baseline: { what: 'heap used at the first sample (MB)', value: first.heapMb }, ratio: last.heapMb / first.heapMb, goal: '', met: null },
  ];
  return {
    title: 'Memory',
    rows,
    notes: [
      `6a: ${fmt(pending.n)} deliveries persisted in ${fmt(pending.persistS)} s while the worker ran; RSS watched for ${pending.observeMs / 1000} s more; heap used at the end ${fmt(pending.heapMb)} MB; ${fmt(pending.pending)} still pending, ${fmt(pending.sent)} reached the receiver.`,
      `6b: ${steady.samples.length} samples; RSS ${fmt(first.rssMb)} → ${fmt(last.rssMb)} MB, heap used ${fmt(first.heapMb)} → ${fmt(last.heapMb)} MB; slope fitted over ${slopes.n} samples${skipS ? ` after the first ${skipS} s` : ''}. RSS samples (MB): ${steady.samples.map((s) => fmt(s.rssMb)).join(' ')}.`,
      `6b also shows how the durable path keeps up over a longer run: ${fmt(steady.received)} of ${fmt(steady.pushed)} changes had reached the receiver 5 s after the last push; push → webhook p50 ${fmt(latency.p50)} ms, p99 ${fmt(latency.p99)} ms${steady.missing ? ' (lower bounds: the missing ones count with the time they had waited)' : ''}.`,
      options.long ? '--long: the full 10 minutes of the issue.' : 'Default 2.5 minutes: the 10 minutes of the issue do not fit in the 10-minute budget of the whole run; `npm run bench -- --long` runs them (about 18 minutes in all).',
    ],
  };
}
