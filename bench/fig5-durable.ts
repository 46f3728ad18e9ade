/**
 * Figure 5 — durable throughput: deliveries a second end to end through the PostgreSQL queue
 * (ledger row + graphile-worker job in one statement, pickup, ledger load, breaker check,
 * limiter, signed POST to a fast receiver in another process, ledger update, job completion),
 * against graphile-worker's own no-op jobs a second in the same run: a fresh graphile-worker
 * schema in the same database, the same concurrency (the worker's default, 16) and the same pool
 * size (the app's, 10 connections), jobs added the same way (add_jobs, 1,000 a statement).
 */
import { EventEmitter } from 'node:events';
import pino from 'pino';
import { Pool } from 'pg';
import { Logger as GraphileLogger, run, type WorkerEvents } from 'graphile-worker';
import { createApp, type App } from '../src/app';
import { createLogger } from '../src/lib/logger';
import { startFakeRealtime } from '../test/support/realtime-server';
import type { BenchDatabase } from './lib/db';
import { cpuSecondsOf, postgresCpu, postgresCpuSince, spawnReceiver } from './lib/processes';
import { profileInProcess, profileNotes } from './lib/profile';
import { judged, type FigureResult, type RunOptions } from './lib/result';
import { fmt, until } from './lib/stats';
import { benchConfig, benchEnv, benchRulesFile, webhookDelivery } from './lib/worker-config';
import { queueBatching } from '../src/deliver/durable/queue-batching';

// Issue 12: at least 0.8 of bare graphile-worker at its defaults (no local queue, no batched completion).
const GOAL_RATIO = 0.8;
const CONCURRENCY = 16;
const POOL_SIZE = 10;
const BATCH = 1_000;

/** CPU of this process and of PostgreSQL (and optionally another process) across a phase. */
function cpuMeter(otherPid?: number) {
  const self = process.cpuUsage();
  const pg = postgresCpu();
  const other = otherPid ? cpuSecondsOf(otherPid) : 0;
  return () => {
    const used = process.cpuUsage(self);
    return { selfS: (used.user + used.system) / 1e6, postgresS: postgresCpuSince(pg), otherS: otherPid ? cpuSecondsOf(otherPid) - other : 0 };
  };
}

/**
 * graphile-worker alone: N no-op jobs, added in batches, run at CONCURRENCY; at its defaults, or
 * with the batched completion the worker's runner uses (the ceiling of the queue so).
 */
async function bareQueueRate(db: BenchDatabase, n: number, batched = false) {
  const schema = db.queueSchema(batched ? 'gw5batch' : 'gw5bare');
  const pool = new Pool({ connectionString: db.databaseUrl, max: POOL_SIZE });
  // graphile-worker insists on both handlers; a failed idle connection is not this figure's business.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const events: WorkerEvents = new EventEmitter();
  let done = 0;
  events.on('job:success', () => (done += 1));
  const runner = await run({
    pgPool: pool,
    schema,
    concurrency: CONCURRENCY,
    noHandleSignals: true,
    pollInterval: 2_000,
    ...(batched ? { preset: { worker: queueBatching() } } : {}),
    logger: silentGraphileLogger(),
    events,
    taskList: { noop: async () => undefined },
  });
  const start = performance.now();
  const cpu = cpuMeter();
  for (let added = 0; added < n; added += BATCH) {
    await pool.query(
      `select "${schema}".add_jobs(array(select json_populate_record(null::"${schema}".job_spec,
         json_build_object('identifier', 'noop', 'payload', json_build_object('i', g), 'priority', 60, 'max_attempts', 25))
       from generate_series(1, $1::int) g))`,
      [Math.min(BATCH, n - added)],
    );
  }
  await until(() => done >= n, 120_000, 5);
  const elapsed = performance.now() - start;
  const used = cpu();
  await runner.stop();
  await pool.end();
  return { perSecond: (n * 1000) / elapsed, cpu: used };
}

function silentGraphileLogger() {
  // graphile-worker's Logger: a factory of scoped log functions; the bare run logs nothing.
  return new GraphileLogger(() => () => undefined);
}

/** The worker's durable path: the real app (createApp) with its own pool on this run's schema. */
async function durableRate(db: BenchDatabase, n: number, receiverUrl: string, receiverPid: number, profile: boolean) {
  const realtime = await startFakeRealtime();
  const config = benchConfig(
    { ...benchRulesFile(receiverUrl, { queueSchema: db.queueSchema('gw5') }), queue: { schema: db.queueSchema('gw5'), concurrency: CONCURRENCY } },
    benchEnv(realtime.url, db.databaseUrl),
  );
  const logger = createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: true }) });
  const app: App = createApp({ config, logger });
  await app.start();
  const delivered = async () => (await app.metrics.deliveries.get()).values.filter((v) => v.labels.outcome === 'delivered').reduce((a, v) => a + v.value, 0);
  const url = `${receiverUrl}/hooks/wedsync`;
  const limit = { max: null, perMs: 1_000, maxConcurrent: CONCURRENCY };
  const drain = async () => {
    const start = performance.now();
    const cpu = cpuMeter(receiverPid);
    for (let added = 0; added < n; added += BATCH) {
      await app.queue!.submit(Array.from({ length: Math.min(BATCH, n - added) }, () => webhookDelivery(url, { tag: 'fig5', rateLimit: limit })));
    }
    const submittedMs = performance.now() - start;
    await until(async () => (await delivered()) >= n, 300_000, 10);
    return { elapsed: performance.now() - start, submittedMs, cpu: cpu() };
  };
  try {
    if (!profile) return { ...(await drain()), summary: null };
    const { result, summary } = await profileInProcess('fig5-durable', drain);
    return { ...result, summary };
  } finally {
    await app.stop();
    await realtime.close();
  }
}

export async function runDurable(options: RunOptions, db: BenchDatabase): Promise<FigureResult> {
  const n = options.quick ? 300 : 5_000;
  const receiver = await spawnReceiver();
  try {
    // Alternate the two, so a drift of the machine (another process, autovacuum) hits both alike.
    const rounds = options.quick ? 1 : 2;
    const bares: Awaited<ReturnType<typeof bareQueueRate>>[] = [];
    const batchedBares: Awaited<ReturnType<typeof bareQueueRate>>[] = [];
    const durables: Awaited<ReturnType<typeof durableRate>>[] = [];
    for (let round = 0; round < rounds; round += 1) {
      options.log(`  round ${round + 1}: graphile-worker alone, ${n} no-op jobs`);
      bares.push(await bareQueueRate(db, n));
      options.log(`  round ${round + 1}: graphile-worker alone, ${n} no-op jobs, batched completion`);
      batchedBares.push(await bareQueueRate(db, n, true));
      options.log(`  round ${round + 1}: the worker's durable path, ${n} webhook deliveries`);
      // Profiled in the last round only, so the profiler's cost stays out of the others.
      durables.push(await durableRate(db, n, receiver.url, receiver.pid, options.profile && round === rounds - 1));
    }
    const meanOf = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const barePerSecond = meanOf(bares.map((b) => b.perSecond));
    const batchedPerSecond = meanOf(batchedBares.map((b) => b.perSecond));
    const perSecond = meanOf(durables.map((d) => (n * 1000) / d.elapsed));
    const bare = { cpu: { selfS: meanOf(bares.map((b) => b.cpu.selfS)), postgresS: meanOf(bares.map((b) => b.cpu.postgresS)) } };
    const cpuPerJobMs = (cpu: { selfS: number; postgresS: number }) => ((cpu.selfS + cpu.postgresS) * 1000) / n;
    const durable = {
      submittedMs: meanOf(durables.map((d) => d.submittedMs)),
      elapsed: meanOf(durables.map((d) => d.elapsed)),
      cpu: { selfS: meanOf(durables.map((d) => d.cpu.selfS)), postgresS: meanOf(durables.map((d) => d.cpu.postgresS)), otherS: meanOf(durables.map((d) => d.cpu.otherS)) },
      summary: durables.at(-1)!.summary,
    };
    const notes = [
      `${n} deliveries submitted with app.queue.submit in batches of ${BATCH} (the insert took ${fmt(durable.submittedMs / 1000)} s of the ${fmt(durable.elapsed / 1000)} s), timed from the first submit to the last "delivered" outcome; the receiver (bench/receiver.ts) is another process. graphile-worker concurrency ${CONCURRENCY} in both runs; the bare queue on a pool of ${POOL_SIZE} connections, the app on its own (src/deliver/durable/pool-size.ts). PostgreSQL 15 with fsync and synchronous_commit on (the machine's), on the same 2 cores.`,
      `Rounds (alternating, means reported): bare ${bares.map((b) => fmt(b.perSecond)).join(', ')}/s; bare with batched completion ${batchedBares.map((b) => fmt(b.perSecond)).join(', ')}/s; durable ${durables.map((d) => fmt((n * 1000) / d.elapsed)).join(', ')}/s.`,
      `These normal deliveries go to the worker's bulk runner: graphile-worker's local queue (jobs taken ${CONCURRENCY} a statement) and batched completion (src/deliver/durable/queue-batching.ts); critical and high ones have a runner of their own without the local queue (delivery-runners.ts, figure 4). The goal's baseline is graphile-worker at its defaults, as the issue sets it, and the batched bare run shows what batched completion alone gives the queue.`,
    ];
    const ms = (seconds: number) => fmt((seconds * 1000) / n);
    notes.push(
      `CPU per delivery: the worker (this process) ${ms(durable.cpu.selfS)} ms, PostgreSQL ${ms(durable.cpu.postgresS)} ms, the receiver ${ms(durable.cpu.otherS)} ms. Per bare job: graphile-worker (this process) ${ms(bare.cpu.selfS)} ms, PostgreSQL ${ms(bare.cpu.postgresS)} ms. The 2 cores give 2,000 ms of CPU a second: the sum per delivery is what caps the rate. (PostgreSQL's figure includes any other session's work at the time.)`,
    );
    if (durable.summary) notes.push(...profileNotes('the durable run (this process: the app; PostgreSQL and the receiver are other processes)', durable.summary));
    return {
      title: 'Durable throughput',
      rows: [
        { id: '5', what: 'deliveries through the PostgreSQL queue', value: perSecond, unit: '/s', baseline: { what: 'graphile-worker no-op jobs at its defaults, same concurrency', value: barePerSecond }, ratio: perSecond / barePerSecond, goal: `≥ ${GOAL_RATIO} of the bare queue`, met: judged(options, perSecond / barePerSecond >= GOAL_RATIO) },
        { id: '5·', what: 'the same against graphile-worker with batched completion', value: perSecond, unit: '/s', baseline: { what: 'graphile-worker no-op jobs, batched completion', value: batchedPerSecond }, ratio: perSecond / batchedPerSecond, goal: '', met: null },
        // CPU is steadier than a rate when other work shares the 2 cores: the per-job sums say where the rate would settle.
        { id: '5·', what: 'CPU a delivery, worker + PostgreSQL (receiver excluded)', value: cpuPerJobMs(durable.cpu), unit: 'ms', baseline: { what: 'CPU a bare job at defaults, graphile-worker + PostgreSQL', value: cpuPerJobMs(bare.cpu) }, ratio: cpuPerJobMs(durable.cpu) / cpuPerJobMs(bare.cpu), goal: '', met: null },
      ],
      notes,
    };
  } finally {
    await receiver.close();
  }
}
