/**
 * Figure 8 — end to end, as a change really travels: form responses written to PostgreSQL (many
 * organizations and weddings in the tenant tables), the capture trigger's outbox pushed by the
 * loopback Realtime server as postgres_changes, the worker (compiled entry, its own process) with
 * the shipped rules deciding from the tenant context in the database, each change becoming a
 * signed partner webhook and an email (Resend fake); latency from the time written in the row to
 * each receipt. A burst of 1,000 changes, then a sustained rate.
 */
import type { BenchDatabase } from './lib/db';
import { EndToEndWorld, type TenantShape } from './lib/e2e-world';
import { cpuSecondsOf, postgresCpu, postgresCpuSince, spawnWorker, type WorkerProcess, type WorkerSpawnOptions } from './lib/processes';
import { newestProfileIn, profileNotes, summarizeProfile, workerProfile } from './lib/profile';
import { judged, type FigureResult, type RunOptions } from './lib/result';
import { fmt, quantile, sleep, until } from './lib/stats';

const BURST = 1_000;
const BURST_GOAL_MS = 3_000;
const RATE = 500;
const RATE_GOAL = 500;
// Rows a statement carries at the sustained rate: a commit every 20 ms, as many users at once.
const TICK_MS = 20;

interface Phase {
  readonly seqs: number[];
  readonly firstWriteMs: number;
  readonly lastCommitMs: number;
  readonly complete: boolean;
}

export async function runEndToEnd(options: RunOptions, db: BenchDatabase, entry: WorkerSpawnOptions['entry']): Promise<FigureResult> {
  const shape: TenantShape = options.quick
    ? { organizations: 20, weddingsPerOrganization: 10, vendorsPerOrganization: 6 }
    : { organizations: 200, weddingsPerOrganization: 25, vendorsPerOrganization: 12 };
  const sustainedMs = options.quick ? 1_000 : 20_000;
  const burst = options.quick ? 200 : BURST;
  const world = await EndToEndWorld.start(db, shape);
  const profiling = workerProfile(options.profile, 'fig8');
  let worker: WorkerProcess | undefined;
  try {
    worker = await spawnWorker({
      entry,
      env: world.workerEnv(),
      configFile: world.workerConfig(db.queueSchema('gw8')),
      label: 'fig8',
      ...profiling.flags,
    });
    if (!(await worker.untilReady(30_000))) throw new Error(`fig8 worker not ready:\n${worker.logTail()}`);
    const settle = (seqs: number[], ms: number) => until(() => world.delivered(seqs), ms, 5);
    options.log(`  ${shape.organizations} organizations × ${shape.weddingsPerOrganization} weddings; warm-up`);
    const warm = await world.write(100);
    await settle(warm, 30_000);

    options.log(`  burst of ${burst} changes`);
    const xacts0 = await world.transactions();
    const cpu0 = { worker: cpuSecondsOf(worker.child.pid!), pg: postgresCpu(), self: process.cpuUsage() };
    const burstPhase = await writeBurst(world, burst);
    const burstDone = await settle(burstPhase.seqs, 60_000);
    const burstCpu = {
      worker: cpuSecondsOf(worker.child.pid!) - cpu0.worker,
      pg: postgresCpuSince(cpu0.pg),
      self: (process.cpuUsage(cpu0.self).user + process.cpuUsage(cpu0.self).system) / 1e6,
    };
    const burstXacts = (await world.transactions()) - xacts0;
    const burstLast = world.lastArrival(burstPhase.seqs);
    const burstTail = burstLast - burstPhase.lastCommitMs;
    const burstLat = world.latencies(burstPhase.seqs).sort((a, b) => a - b);
    const burstRate = (2 * burst) / ((burstLast - burstPhase.firstWriteMs) / 1000);

    // The sustained rate is measured from an empty queue: a burst still draining would be counted in it.
    if (!burstDone) await settle(burstPhase.seqs, 120_000);
    options.log(`  sustained ${RATE} changes/s for ${sustainedMs / 1000} s`);
    const steady = await writeSteady(world, RATE, sustainedMs);
    const steadyDone = await settle(steady.seqs, 60_000);
    const steadyLat = world.latencies(steady.seqs).sort((a, b) => a - b);
    const steadyLast = world.lastArrival(steady.seqs);
    const steadySpanS = (steadyLast - steady.firstWriteMs) / 1000;
    const steadyChanges = steady.seqs.length / steadySpanS;
    const lateTenth = world.latencies(steady.seqs.slice(-Math.ceil(steady.seqs.length / 10)));
    const earlyTenth = world.latencies(steady.seqs.slice(0, Math.ceil(steady.seqs.length / 10)));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

    await worker.stop();
    const profile = options.profile ? newestProfileIn(profiling.dir) : null;
    const p = (xs: number[], q: number) => (xs.length ? quantile(xs, q) : Number.NaN);
    return {
      title: 'End to end',
      rows: [
        {
          id: '8a',
          what: `burst of ${burst} changes: last commit → last of ${2 * burst} deliveries received`,
          value: burstTail,
          unit: 'ms',
          baseline: { what: 'written → received, p50 (ms)', value: p(burstLat, 0.5) },
          ratio: null,
          goal: `≤ ${BURST_GOAL_MS} ms`,
          met: judged(options, burstDone && burstTail <= BURST_GOAL_MS),
        },
        { id: '8a·', what: 'the burst: written → received, p99', value: p(burstLat, 0.99), unit: 'ms', baseline: null, ratio: null, goal: '', met: null },
        {
          id: '8b',
          what: `sustained: changes/s carried end to end (${RATE}/s offered, 2 deliveries each)`,
          value: steadyChanges,
          unit: '/s',
          baseline: { what: 'offered (changes/s)', value: steady.seqs.length / ((steady.lastCommitMs - steady.firstWriteMs) / 1000) },
          ratio: null,
          goal: `≥ ${RATE_GOAL}/s (≥ ${2 * RATE_GOAL} deliveries/s)`,
          met: judged(options, steadyDone && steadyChanges >= RATE_GOAL * 0.98),
        },
        { id: '8b·', what: 'sustained: written → received, p50', value: p(steadyLat, 0.5), unit: 'ms', baseline: null, ratio: null, goal: '', met: null },
        { id: '8b·', what: 'sustained: written → received, p99', value: p(steadyLat, 0.99), unit: 'ms', baseline: null, ratio: null, goal: '', met: null },
      ],
      notes: [
        `${shape.organizations} organizations, ${shape.organizations * shape.weddingsPerOrganization} weddings (a month or more away: normal priority), ${shape.vendorsPerOrganization} vendors an organization (3 per wedding), a finance person, 2 clients a wedding and one partner endpoint an organization, all in the migrated tenant tables. Each change is a form response naming a vendor: the shipped rule \`form-response\` sends that vendor an email and the organization's endpoint a signed webhook. The worker reads each organization's context from PostgreSQL (on a cache miss), persists the deliveries, runs them through graphile-worker.`,
        'Intake as shipped: outbox mode; the fake Realtime server follows the capture trigger\'s `change_outbox` (every 10 ms) and pushes each row as postgres_changes. Limits as in the shipped file but far above the load (no `max`, 16 in flight); hourly caps off. Latency is from the row\'s `submitted_at` (written by this process just before the statement) to each delivery\'s arrival, on this process\'s clock; the worker is another process on the same 2 cores.',
        `Burst: ${burst} rows in ${burst / 50} statements of 50 over 4 connections, as fast as they commit (the last commit ${fmt(burstPhase.lastCommitMs - burstPhase.firstWriteMs)} ms after the first write); ${burstDone ? 'every delivery arrived' : 'NOT every delivery arrived within 60 s'}; ${fmt(burstRate)} deliveries/s from the first write to the last receipt; p50 ${fmt(p(burstLat, 0.5))} ms, p99 ${fmt(p(burstLat, 0.99))} ms, max ${fmt(burstLat.at(-1) ?? Number.NaN)} ms.`,
        `CPU for the burst: worker ${fmt(burstCpu.worker)} s, PostgreSQL ${fmt(burstCpu.pg)} s, this process (writer, Realtime fake, receivers) ${fmt(burstCpu.self)} s: ${fmt((burstCpu.worker * 1000) / burst)} ms of worker CPU and ${fmt((burstCpu.pg * 1000) / burst)} ms of PostgreSQL a change; ${fmt(burstXacts / burst)} PostgreSQL transactions a change (pg_stat_database of the bench's own database: the writer's, the Realtime fake's polls and the worker's statements).`,
        `Sustained: ${steady.seqs.length} changes in ${fmt(sustainedMs / 1000)} s (a statement of ${(RATE * TICK_MS) / 1000} rows every ${TICK_MS} ms); ${steadyDone ? 'every delivery arrived' : 'NOT every delivery arrived within 60 s'}, the last ${fmt(steadyLast - steady.lastCommitMs)} ms after the last commit; mean latency of the first tenth ${fmt(mean(earlyTenth))} ms, of the last tenth ${fmt(mean(lateTenth))} ms${mean(lateTenth) > 3 * mean(earlyTenth) + 50 ? ': it grows, i.e. the worker falls behind the offered rate' : ''}.`,
        ...(profile ? profileNotes('the worker during warm-up, burst and sustained run', summarizeProfile(profile)) : []),
      ],
    };
  } finally {
    await worker?.stop();
    await world.close();
  }
}

async function writeBurst(world: EndToEndWorld, n: number): Promise<Phase> {
  const firstWriteMs = performance.timeOrigin + performance.now();
  const statements = Array.from({ length: n / 50 }, () => 50);
  const seqs: number[] = [];
  let lastCommitMs = 0;
  const lane = async () => {
    while (statements.length > 0) {
      statements.pop();
      seqs.push(...(await world.write(50)));
      lastCommitMs = Math.max(lastCommitMs, performance.timeOrigin + performance.now());
    }
  };
  await Promise.all([lane(), lane(), lane(), lane()]);
  return { seqs, firstWriteMs, lastCommitMs, complete: true };
}

async function writeSteady(world: EndToEndWorld, ratePerS: number, durationMs: number): Promise<Phase> {
  const perTick = Math.round((ratePerS * TICK_MS) / 1000);
  const firstWriteMs = performance.timeOrigin + performance.now();
  const seqs: number[] = [];
  const writes: Promise<void>[] = [];
  let lastCommitMs = 0;
  for (let tick = 0; tick * TICK_MS < durationMs; tick += 1) {
    // Open loop: a tick's rows go at their time whether or not the last statement has committed.
    const due = firstWriteMs + tick * TICK_MS;
    const wait = due - (performance.timeOrigin + performance.now());
    if (wait > 0) await sleep(wait);
    writes.push(
      world.write(perTick).then((s) => {
        seqs.push(...s);
        lastCommitMs = Math.max(lastCommitMs, performance.timeOrigin + performance.now());
      }),
    );
  }
  await Promise.all(writes);
  return { seqs, firstWriteMs, lastCommitMs, complete: true };
}
