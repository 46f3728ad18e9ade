/**
 * Figure 10 — cost of destinations (issue 18).
 *
 * 8a–8c: idle cost. A child process (bench/destinations-child.ts) uses 1,000, 10,000 and 50,000
 * distinct destinations once each through the real RateLimiterRegistry at the tenant default
 * (100 a minute), 500 at a time, then idles: its CPU over the idle time (after a 1 s settle),
 * its RSS at the end, and the set-up time per destination. With Redis (the shared limit: one
 * sorted set per destination, expiring a window after its last request) and without (the
 * in-process log, forgotten a window after its last request). Goal at 50,000: < 2 % of one
 * core idle, < 300 MB RSS, set-up < 1 ms per new destination.
 *
 * 8d: throughput of one destination's limiter with a limit that never binds (10 million a
 * second, 16 at once) against p-queue's concurrency-only path (concurrency 16) in the same
 * process and run, trivial jobs, 1,000 kept waiting. Goal: ≥ 0.5 of p-queue. 8e: the same through Redis (a round
 * trip per batch of grants and one per finished job), as context.
 */
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import PQueue from 'p-queue';
import { RateLimiterRegistry } from '../src/deliver/rate-limiter';
import { ROOT } from './lib/processes';
import { judged, type FigureResult, type FigureRow, type RunOptions } from './lib/result';
import { fmt, MB } from './lib/stats';

const GOAL_CPU = 0.02;
const GOAL_RSS_MB = 300;
const GOAL_SETUP_MS = 1;
const GOAL_RATIO = 0.5;

interface ChildResult {
  readonly destinations: number;
  readonly mode: 'local' | 'redis';
  readonly setUpMsPerDestination: number;
  readonly idleCpuShareOfCore: number;
  readonly rssBytes: number;
  readonly rssBeforeBytes: number;
  readonly timersWhileIdle: number;
  readonly sizes: { readonly active: number; readonly logs: number };
  readonly redisKeys: number;
}

function runChild(destinations: number, mode: 'local' | 'redis', idleMs: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/destinations-child.ts', String(destinations), mode, String(idleMs)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildResult) : reject(new Error(`destinations child exited ${code}: ${err.slice(-500)}`))));
  });
}

/** Outstanding jobs at a time: what a worker keeps waiting on one destination, far more than its slots. */
const OUTSTANDING = 1_000;

/** Jobs a second through `schedule`, trivial work, OUTSTANDING kept waiting. */
async function jobsPerSecond(jobs: number, schedule: (task: () => Promise<void>) => Promise<void>): Promise<number> {
  const task = async () => undefined;
  const started = performance.now();
  let submitted = 0;
  await new Promise<void>((resolve, reject) => {
    let finished = 0;
    const submit = () => {
      submitted += 1;
      schedule(task).then(() => {
        finished += 1;
        if (finished === jobs) resolve();
        else if (submitted < jobs) submit();
      }, reject);
    };
    for (let i = 0; i < Math.min(OUTSTANDING, jobs); i += 1) submit();
  });
  return jobs / ((performance.now() - started) / 1000);
}

async function throughput(options: RunOptions) {
  const jobs = options.quick ? 10_000 : 50_000;
  const redisJobs = options.quick ? 1_000 : 5_000;
  const settings = { max: 10_000_000, perMs: 1_000, maxConcurrent: 16 };
  const local = new RateLimiterRegistry();
  const queue = new PQueue({ concurrency: 16 });
  const ours = () => jobsPerSecond(jobs, (task) => local.get('webhook:hot', settings).schedule('normal', task));
  const theirs = () => jobsPerSecond(jobs, (task) => queue.add(task, { priority: 5 }));
  // Warm both up, then alternate, best of three each: the two cores are shared.
  await ours();
  await theirs();
  const oursRuns: number[] = [];
  const theirsRuns: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    oursRuns.push(await ours());
    theirsRuns.push(await theirs());
  }
  const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  const shared = new RateLimiterRegistry(redis, `bench-fig10-${process.pid}`);
  const sharedRate = await jobsPerSecond(redisJobs, (task) => shared.get('webhook:hot', settings).schedule('normal', task));
  await shared.stopAll();
  await redis.del(`bench-fig10-${process.pid}:slots:webhook:hot`);
  redis.disconnect();
  await local.stopAll();
  return { jobs, redisJobs, ours: Math.max(...oursRuns), theirs: Math.max(...theirsRuns), shared: sharedRate };
}

export async function runDestinations(options: RunOptions): Promise<FigureResult> {
  const sizes = options.quick ? [100, 500, 1_000] : [1_000, 10_000, 50_000];
  const idleMs = options.quick ? 1_000 : 10_000;
  const rows: FigureRow[] = [];
  const notes: string[] = [];
  const largest = sizes[sizes.length - 1]!;
  for (const mode of ['local', 'redis'] as const) {
    for (const n of sizes) {
      options.log(`  ${fmt(n)} destinations used once, ${mode} limits, then ${idleMs / 1000} s idle`);
      const r = await runChild(n, mode, idleMs);
      options.log(`    idle CPU ${fmt(r.idleCpuShareOfCore * 100)} % of a core, RSS ${fmt(r.rssBytes / MB)} MB, set-up ${fmt(r.setUpMsPerDestination)} ms a destination`);
      const judge = n === largest;
      const label = `${fmt(n)} destinations, ${mode === 'redis' ? 'Redis-shared limits' : 'in-process limits'}`;
      rows.push({ id: '10a', what: `idle CPU, ${label}`, value: r.idleCpuShareOfCore * 100, unit: '% of a core', baseline: null, ratio: null, goal: judge ? `< ${GOAL_CPU * 100} %` : '', met: judge ? judged(options, r.idleCpuShareOfCore < GOAL_CPU) : null });
      rows.push({ id: '10b', what: `RSS, ${label}`, value: r.rssBytes / MB, unit: 'MB', baseline: { what: 'RSS before the destinations', value: r.rssBeforeBytes / MB }, ratio: null, goal: judge ? `< ${GOAL_RSS_MB} MB` : '', met: judge ? judged(options, r.rssBytes / MB < GOAL_RSS_MB) : null });
      if (judge) {
        rows.push({ id: '10c', what: `set-up per new destination, ${label}`, value: r.setUpMsPerDestination, unit: 'ms', baseline: null, ratio: null, goal: `< ${GOAL_SETUP_MS} ms`, met: judged(options, r.setUpMsPerDestination < GOAL_SETUP_MS) });
      }
      notes.push(
        `${label}: ${r.timersWhileIdle} timers alive while idle; entries held with work ${r.sizes.active}, logs in process ${fmt(r.sizes.logs)}, keys in Redis ${fmt(r.redisKeys)} (each gone a window after its request).`,
      );
    }
  }
  options.log('  limiter throughput, one destination, non-binding limit, against p-queue');
  const t = await throughput(options);
  options.log(`    ${fmt(t.ours)} jobs/s against p-queue's ${fmt(t.theirs)}; through Redis ${fmt(t.shared)}`);
  rows.push({ id: '10d', what: `one destination, non-binding limit, in process (${fmt(t.jobs)} jobs)`, value: t.ours, unit: 'jobs/s', baseline: { what: 'p-queue, concurrency only', value: t.theirs }, ratio: t.ours / t.theirs, goal: `≥ ${GOAL_RATIO} of p-queue`, met: judged(options, t.ours / t.theirs >= GOAL_RATIO) });
  rows.push({ id: '10e', what: `one destination, non-binding limit, through Redis (${fmt(t.redisJobs)} jobs)`, value: t.shared, unit: 'jobs/s', baseline: null, ratio: null, goal: '', met: null });
  notes.push(
    'The in-process log keeps one run per millisecond a destination was used in, for one window after its last request; the Redis one keeps a sorted set per destination with the same lifetime, so the worker process holds nothing for an idle destination.',
    'Before issue 18 (Bottleneck, its numbers): 1,000 destinations idle cost 31 % of a core with Redis (a heartbeat per limiter, forever) and set-up took 2.6 ms each.',
  );
  return { title: 'Cost of destinations', rows, notes };
}
