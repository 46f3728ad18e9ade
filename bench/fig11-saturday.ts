/**
 * Figure 11 — a wedding Saturday (issue 12): 100,000 weddings in the tenant tables, 10,000 of them
 * today across six time zones, a change mix at 500 changes a second for 5 minutes written to
 * PostgreSQL, pushed by the loopback Realtime server from the outbox as in figure 8, the worker
 * (compiled, its own process) with the shipped rules and production provider limits, a receiver
 * per channel. Reports change → delivery per priority (from the ledger), the deepest queue behind
 * each limit, the worker's CPU and RSS over time, and the replicas 100,000 weddings need.
 * `npm run bench -- --saturday` (bench/run.ts); shorter runs with --saturday-minutes and friends.
 */
import { loadavg } from 'node:os';
import type { BenchDatabase } from './lib/db';
import { cpuSecondsOf, postgresCpu, postgresCpuSince, spawnWorker, type WorkerProcess, type WorkerSpawnOptions } from './lib/processes';
import { activityNote, PgActivitySampler } from './lib/pg-activity';
import { newestProfileIn, profileNotes, summarizeProfile, workerProfile } from './lib/profile';
import type { FigureResult, FigureRow, RunOptions } from './lib/result';
import { changesByKind, demandByDestination, latencyGroups, limitOf, pendingByDestination, priorityWithRoom } from './lib/saturday-ledger';
import { MIX, SaturdayWriter } from './lib/saturday-mix';
import { Sampler } from './lib/saturday-samples';
import { ARCHIVE_LIMIT, PARTNER_PER_MINUTE, PRODUCTION_LIMITS, SaturdayWorld } from './lib/saturday-world';
import { fmt, slope, until } from './lib/stats';

export interface SaturdaySize {
  readonly weddings: number;
  readonly minutes: number;
  readonly ratePerS: number;
}
export const SATURDAY_FULL: SaturdaySize = { weddings: 100_000, minutes: 5, ratePerS: 500 };
const CRITICAL_P99_GOAL_MS = 2_000;
const FLAT_MB_PER_MIN = 1;
/** Where one replica's event loop is considered full: headroom for bursts and GC. */
const CORE_PER_REPLICA = 0.7;
const DRAIN_MS = 60_000;
const ACTIVITY_EVERY_MS = 50;

/** Deliveries a second each limit lets through. */
export function perSecondOf(limit: string): number {
  if (limit === 'partner') return PARTNER_PER_MINUTE / 60;
  if (limit === 'archive') return (ARCHIVE_LIMIT.max * 1000) / ARCHIVE_LIMIT.perMs;
  return PRODUCTION_LIMITS[limit as keyof typeof PRODUCTION_LIMITS]?.perS ?? Number.POSITIVE_INFINITY;
}

export async function runSaturday(options: RunOptions, db: BenchDatabase, entry: WorkerSpawnOptions['entry'], size: SaturdaySize): Promise<FigureResult> {
  const full = size.weddings >= SATURDAY_FULL.weddings && size.minutes >= SATURDAY_FULL.minutes && size.ratePerS >= SATURDAY_FULL.ratePerS;
  const judge = (met: boolean) => (full ? met : null);
  const load0 = loadavg()[0]!;
  options.log(`  seeding ${fmt(size.weddings)} weddings`);
  const world = await SaturdayWorld.start(db, size.weddings);
  options.log(`  seeded in ${fmt(world.seed.seconds)} s: ${JSON.stringify(world.seed.rows)}`);
  const profiling = workerProfile(options.profile, 'fig11');
  let worker: WorkerProcess | undefined;
  try {
    worker = await spawnWorker({
      entry,
      env: world.workerEnv(),
      configFile: world.workerConfig(db.queueSchema('gw11')),
      label: 'fig11',
      ...profiling.flags,
    });
    if (!(await worker.untilReady(60_000))) throw new Error(`fig11 worker not ready:\n${worker.logTail()}`);
    const pid = worker.child.pid!;
    const writer = new SaturdayWriter(world.writer, size.weddings);
    const sampler = new Sampler(world.writer, pid, worker.healthPort, world.received, db.queueSchema('gw11'));
    const activity = new PgActivitySampler(db.databaseUrl, ACTIVITY_EVERY_MS);
    await activity.start();
    const cpu0 = { worker: cpuSecondsOf(pid), pg: postgresCpu(), bench: process.cpuUsage() };
    const startedAt = performance.now();
    sampler.start(startedAt);
    options.log(`  ${size.ratePerS} changes/s for ${size.minutes} min`);
    const steady = await writer.writeSteady(size.ratePerS, size.minutes * 60_000);
    const writeS = (steady.lastCommitMs - steady.firstWriteMs) / 1000;
    options.log(`  written in ${fmt(writeS)} s; draining (at most ${DRAIN_MS / 1000} s, until only queues behind a spent limit are left)`);
    // Done when what is left waits on a limit: more than 10 s of it queued behind one destination.
    // Every 5 s: the count reads every pending row, and this is load the worker would not have.
    await until(async () => [...(await pendingByDestination(world.writer))].every(([d, n]) => n > 10 * perSecondOf(limitOf(d))), DRAIN_MS, 5_000);
    const endMs = Date.now();
    const benchCpu = process.cpuUsage(cpu0.bench);
    const cpu = { worker: cpuSecondsOf(pid) - cpu0.worker, pg: postgresCpuSince(cpu0.pg), bench: (benchCpu.user + benchCpu.system) / 1e6 };
    await sampler.stop();
    const statements = await activity.stop();
    await worker.stop();

    const demand = await demandByDestination(world.writer);
    const bound = demand.filter((d) => d.planned / writeS > 0.9 * perSecondOf(limitOf(d.destination))).map((d) => d.destination);
    const groups = await latencyGroups(world.writer, db.schema, steady.firstWriteMs, endMs, bound);
    const room = await priorityWithRoom(world.writer, db.schema, steady.firstWriteMs, endMs, bound);
    const kinds = await changesByKind(world.writer, db.schema, steady.firstWriteMs);
    const lastPersistMs = Number((await world.writer.query<{ ms: string }>('select (extract(epoch from max(created_at)) * 1000)::text as ms from deliveries')).rows[0]!.ms);
    const changes = kinds.reduce((a, k) => a + k.changes, 0);
    const decided = kinds.reduce((a, k) => a + k.decided, 0);
    const cpuPerChangeMs = (cpu.worker * 1000) / Math.max(1, decided);
    // Replicas: deciding every change, plus delivering what the limits let through, at the full load.
    const split = sampler.split((lastPersistMs - steady.firstWriteMs) / 1000, decided, cpu0.worker);
    const scale = SATURDAY_FULL.ratePerS / size.ratePerS;
    const deliverablePerS = demand.reduce((a, d) => a + Math.min((d.planned / writeS) * scale, perSecondOf(limitOf(d.destination))), 0);
    const coresNeeded = split ? (SATURDAY_FULL.ratePerS * split.decideMs + deliverablePerS * split.deliveryMs) / 1000 : (SATURDAY_FULL.ratePerS * cpuPerChangeMs) / 1000;
    const replicas = Math.ceil(coresNeeded / CORE_PER_REPLICA);
    const rssPoints = sampler.samples.filter((s) => s.atS >= 30).map((s) => ({ x: s.atS / 60, y: s.rssMb }));
    const rssSlope = slope(rssPoints);
    const live = sampler.samples.filter((s) => s.atS >= 30 && Number.isFinite(s.liveHeapMb));
    const liveSlope = live.length >= 2 ? slope(live.map((s) => ({ x: s.atS / 60, y: s.liveHeapMb }))) : Number.NaN;
    // Demand over supply, per limit: the one with the highest ratio binds first.
    const byLimit = new Map<string, { planned: number; destinations: number; busiest: number }>();
    for (const d of demand) {
      const e = byLimit.get(limitOf(d.destination)) ?? { planned: 0, destinations: 0, busiest: 0 };
      byLimit.set(limitOf(d.destination), { planned: e.planned + d.planned, destinations: e.destinations + 1, busiest: Math.max(e.busiest, d.planned) });
    }
    const pressure = [...byLimit].map(([limit, e]) => ({ limit, ...e, ratio: e.busiest / writeS / perSecondOf(limit) })).sort((a, b) => b.ratio - a.ratio);
    const first = pressure[0];
    const deepest = sampler.deepest();
    const critical = room.get('critical');
    const profile = options.profile ? newestProfileIn(profiling.dir) : null;
    const q = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? Number.NaN : v);
    const sizeText = `${fmt(size.weddings)} weddings, ${fmt(size.ratePerS)} changes/s for ${fmt(size.minutes)} min${full ? '' : ' (shortened: not judged)'}`;
    const rows: FigureRow[] = [
      {
        id: '11a',
        what: `critical: change → delivery p99 where the limit has room (${sizeText})`,
        value: q(critical?.p99),
        unit: 'ms',
        baseline: { what: 'critical p50 (ms)', value: q(critical?.p50) },
        ratio: null,
        goal: `< ${fmt(CRITICAL_P99_GOAL_MS)} ms`,
        met: judge((critical?.p99 ?? Infinity) < CRITICAL_P99_GOAL_MS && (critical?.n ?? 0) > 0),
      },
      ...(['high', 'normal', 'low'] as const).flatMap((p) => {
        const r = room.get(p);
        return r ? [{ id: '11a·', what: `${p}: change → delivery p99 where the limit has room (${fmt(r.n)} deliveries)`, value: r.p99, unit: 'ms', baseline: { what: `${p} p50 (ms)`, value: r.p50 }, ratio: null, goal: '', met: null }] : [];
      }),
      {
        id: '11b',
        what: `worker RSS slope over the run (after the first 30 s)`,
        value: rssSlope,
        unit: 'MB/min',
        baseline: { what: 'RSS at the first sample (MB)', value: sampler.samples[0]?.rssMb ?? Number.NaN },
        ratio: null,
        goal: `flat (≤ ${FLAT_MB_PER_MIN} MB/min)`,
        met: judge(rssSlope <= FLAT_MB_PER_MIN),
      },
      { id: '11b·', what: 'worker V8 heap after full collections: slope (what is alive; after the first 30 s)', value: liveSlope, unit: 'MB/min', baseline: { what: 'the first such reading (MB)', value: live[0]?.liveHeapMb ?? Number.NaN }, ratio: null, goal: '', met: null },
      { id: '11b·', what: 'live changes left to catch-up while deciding was behind (wedsync_changes_deferred_total)', value: sampler.samples.at(-1)?.deferred ?? Number.NaN, unit: 'changes', baseline: null, ratio: null, goal: '', met: null },
      ...(first ? [{ id: '11c·', what: `first limit to bind: ${first.limit} (demand ÷ limit at its busiest destination)`, value: first.ratio, unit: '×', baseline: null, ratio: null, goal: '', met: null }] : []),
      ...[...deepest].sort((a, b) => b[1].total - a[1].total).map(([limit, d]) => ({ id: '11c·', what: `deepest queue behind ${limit} (${fmt(perSecondOf(limit), 2)}/s per destination)`, value: d.deepest, unit: 'pending', baseline: null, ratio: null, goal: '', met: null })),
      { id: '11d·', what: 'worker CPU a change (decided), all of the run', value: cpuPerChangeMs, unit: 'ms', baseline: { what: 'PostgreSQL CPU a change (ms)', value: (cpu.pg * 1000) / Math.max(1, decided) }, ratio: null, goal: '', met: null },
      { id: '11d·', what: `replicas for 100,000 weddings (${SATURDAY_FULL.ratePerS} changes/s at ${CORE_PER_REPLICA} of a core each${split ? '' : '; the CPU of the whole run, which was mostly deciding'})`, value: replicas, unit: 'replicas', baseline: null, ratio: null, goal: '', met: null },
      { id: '11d·', what: 'changes decided a second (first write → last delivery persisted)', value: decided / ((lastPersistMs - steady.firstWriteMs) / 1000), unit: '/s', baseline: { what: 'written (changes/s)', value: changes / writeS }, ratio: null, goal: '', met: null },
    ];
    const notes = [
      `Run: ${new Date(steady.firstWriteMs).toISOString()}, \`npm run bench -- --saturday\`${full ? '' : ` (shortened: ${sizeText})`}; load average ${fmt(load0)} before the figure, ${fmt(loadavg()[0]!)} after (2 cores shared with other work).`,
      `Tenants (bench/lib/saturday-seed.ts, set-wise SQL in ${fmt(world.seed.seconds)} s, capture triggers ${world.seed.triggersSkipped ? 'skipped' : 'fired and the outbox truncated'}): ${fmt(world.seed.organizations)} organizations of 25 weddings, ${fmt(world.seed.today)} weddings today in their own zone across 6 zones (Los Angeles to Sydney); rows: ${Object.entries(world.seed.rows).map(([t, n]) => `${t} ${fmt(n)}`).join(', ')}. Each organization: owner, planner, coordinator and finance with email and phone, 12 vendors, a Slack hook, a partner endpoint; today's weddings have the demo's day-of crew (5 roles), the others 3; two clients a wedding; the demo's preferences (quiet hours, SMS opt-out, finance's cap of 10 an hour).`,
      `Mix (bench/lib/saturday-mix.ts), written open-loop as one statement every 20 ms over 4 connections: ${MIX.map((m) => `${fmt(m.share * 100)} % ${m.what}`).join('; ')}.`,
      `By kind (written → decided → deliveries planned): ${kinds.map((k) => `${k.kind} ${fmt(k.changes)} → ${fmt(k.decided)} → ${fmt(k.deliveries)}`).join('; ')}.`,
      `Limits configured for the run (the shipped file's caps, wedding-day mode, digests, retries and queue as shipped): ${Object.entries(PRODUCTION_LIMITS).map(([c, l]) => `${c} ${l.max}/${l.perMs} ms, ${l.maxConcurrent} in flight — ${l.source}`).join('; ')}; partner endpoints ${PARTNER_PER_MINUTE} a minute each (webhook_endpoints.rate_limit_per_minute, the schema's default); the shipped ops-archive endpoint ${ARCHIVE_LIMIT.max} a minute (shipped).`,
      `Demand against each limit over the ${fmt(writeS)} s of writing (deliveries planned; the busiest destination ÷ its limit): ${pressure.map((p) => `${p.limit} ${fmt(p.planned)} to ${fmt(p.destinations)} destination(s), ${fmt(p.ratio, 2)}×`).join('; ')}. Bound (demand > 0.9 of the limit): ${bound.length > 5 ? `${bound.slice(0, 5).join(', ')} … (${bound.length})` : bound.join(', ') || 'none'}.`,
      'Change → delivery is measured in PostgreSQL: from the outbox row\'s capture time (clock_timestamp() in the writer\'s statement) to the ledger\'s finished_at, joined on the event id by the README\'s recipe; a delivery still pending when the run ended counts with the time it had waited (a lower bound). "Persist" is capture → the ledger row (deciding, context read, enqueue). An escalation tier\'s deliveries (nobody acknowledged a critical message within its policy\'s wait, 5 minutes for the first tier) are planned minutes after their change by design: they are counted apart, from when they were planned, and not in 11a (until stop 26 they were, and set its p99 near 300 s in every full run).',
      `Per priority and limit (deliveries, delivered / pending / other, p50 / p99 ms, persist p50 / p99 ms): ${groups.map((g) => `${g.priority}·${g.limit}${g.bound ? ' (bound)' : ''}${g.escalation ? ' (escalation tiers: from when planned)' : ''} ${fmt(g.deliveries)}, ${fmt(g.delivered)}/${fmt(g.pending)}/${fmt(g.other)}, ${fmt(g.p50Ms)} / ${fmt(g.p99Ms)}, ${fmt(g.persistP50Ms)} / ${fmt(g.persistP99Ms)}`).join('; ')}.`,
      `Received by the loopback receivers: ${Object.entries(world.received).map(([c, n]) => `${c} ${fmt(n)}`).join(', ')}; deepest queues sampled: ${[...deepest].map(([l, d]) => `${l} ${fmt(d.total)} at ${fmt(d.atS)} s (one destination at most ${fmt(d.deepest)})`).join('; ')}.`,
      `CPU over the run: worker ${fmt(cpu.worker)} s (${fmt(cpuPerChangeMs)} ms a change decided, deliveries included), PostgreSQL ${fmt(cpu.pg)} s (every backend of the machine: ${fmt((cpu.pg * 1000) / Math.max(1, decided))} ms a change), this process ${fmt(cpu.bench)} s (the writer, the Realtime fake, the receivers and the samplers: load the worker would not share a machine with); ${fmt((cpu.worker + cpu.pg + cpu.bench) / ((endMs - steady.firstWriteMs) / 1000))} of the 2 cores in all over the run. ${split ? `Split by phase: after the last change was persisted (${fmt((lastPersistMs - steady.firstWriteMs) / 1000)} s) the worker only delivered, ${fmt(split.deliveryMs)} ms of CPU a delivery over ${split.drainSamples} samples; before it, ${fmt(split.decideMs)} ms a change for deciding once those deliveries are taken out.` : 'No split of deciding from delivering: the run had no delivery-only phase long enough, or in it the CPU went to put-backs behind spent limits more than to sends. The estimate uses the CPU a change of the whole run, which undercounts the deliveries a run leaves pending.'} Replicas for 100,000 weddings: (${SATURDAY_FULL.ratePerS} changes/s × ${split ? `${fmt(split.decideMs)} ms deciding + ${fmt(deliverablePerS)} deliveries/s that the limits let through × ${fmt(split.deliveryMs)} ms` : `${fmt(cpuPerChangeMs)} ms`}) = ${fmt(coresNeeded)} cores, at ${CORE_PER_REPLICA} of a core a replica (a replica's JavaScript runs on one core; the rest is headroom for bursts and GC) = ${replicas}, with REDIS_URL so that they share each provider's limit; on this machine under load, so an upper bound.`,
      activityNote(statements, activity.sampleCount, ACTIVITY_EVERY_MS),
      ...sampler.seriesNotes([...deepest.keys()]),
      ...(profile ? profileNotes('the worker over the whole figure', summarizeProfile(profile)) : []),
    ];
    return { title: 'A wedding Saturday', rows, notes };
  } finally {
    await worker?.stop();
    await world.close();
  }
}
