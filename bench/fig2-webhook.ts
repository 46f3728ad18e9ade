/**
 * Figure 2 — webhook delivery to a loopback receiver in another process (bench/receiver.ts:
 * node:http, drains the body, 200), no rate limit configured, 1 and 64 in flight.
 *
 * Worker path: the in-memory Dispatcher (src/deliver/dispatcher.ts) with the real channel
 * registry (SSRF-guarded undici Agent, Standard Webhooks signing), limiters from the real
 * RateLimiterRegistry (max null → the concurrency cap only), its log lines (pino, level info,
 * to /dev/null). Baseline: raw undici Pool.request with the same body and headers to the same
 * receiver at the same concurrency. Both are closed loops: as one request finishes, the next
 * starts, so exactly c are in flight. Contrast: a configured but non-binding limit (the in-process sliding log).
 */
import pino from 'pino';
import { Pool } from 'undici';
import { createChannelRegistry } from '../src/channels/registry';
import { createMemoryDeadLetterSink } from '../src/deliver/dead-letters';
import type { Delivery } from '../src/decide/delivery';
import type { RateLimitSettings } from '../src/vocabulary';
import { destinationKey, DestinationHealth } from '../src/deliver/destinations';
import { Dispatcher } from '../src/deliver/dispatcher';
import { RateLimiterRegistry } from '../src/deliver/rate-limiter';
import { createLogger } from '../src/lib/logger';
import { spawnReceiver, type ReceiverProcess } from './lib/processes';
import { profileInProcess, profileNotes } from './lib/profile';
import { judged, type FigureResult, type FigureRow, type RunOptions } from './lib/result';
import { fmt, sleep } from './lib/stats';
import { benchConfig, benchEnv, benchRulesFile, webhookDelivery, WEBHOOK_BODY } from './lib/worker-config';

const GOAL_RATIO = 0.8;

/** Requests a second, and this process's CPU time per request (µs) over the same window. */
interface Rate {
  readonly perSecond: number;
  readonly cpuUs: number;
}

interface Timing {
  readonly warmMs: number;
  readonly ms: number;
}

/** Raw undici: c loops, each POSTing and draining, on a Pool of c connections. */
export async function rawRate(receiver: ReceiverProcess, c: number, timing: Timing): Promise<Rate> {
  const pool = new Pool(receiver.url, { connections: c });
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'wedsync-realtime-worker/0.1',
    'webhook-id': 'dlv_raw',
    'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
    'webhook-signature': 'v1,Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmE=',
  };
  let stop = false;
  const tally = { counting: false, done: 0 };
  const loop = async () => {
    while (!stop) {
      const response = await pool.request({ path: '/hooks/wedsync', method: 'POST', headers, body: WEBHOOK_BODY });
      await response.body.dump();
      if (response.statusCode !== 200) throw new Error(`receiver answered ${response.statusCode}`);
      if (tally.counting) tally.done += 1;
    }
  };
  const loops = Array.from({ length: c }, loop);
  const rate = await countWindow(timing, tally);
  stop = true;
  await Promise.all(loops);
  await pool.close();
  return rate;
}

/** Warms up, then counts what the running loops complete over the window, and this process's CPU. */
async function countWindow({ warmMs, ms }: Timing, tally: { counting: boolean; done: number }): Promise<Rate> {
  await sleep(warmMs);
  tally.counting = true;
  const start = performance.now();
  const cpu = process.cpuUsage();
  await sleep(ms);
  const counted = tally.done;
  const elapsed = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { perSecond: (counted * 1000) / elapsed, cpuUs: (used.user + used.system) / counted };
}

/** The worker's in-memory delivery path, kept at c in flight by submitting one per outcome. */
export async function dispatcherRate(receiver: ReceiverProcess, c: number, limit: RateLimitSettings, tag: string, timing: Timing, logLevel = 'info'): Promise<Rate> {
  const config = benchConfig(benchRulesFile(receiver.url), benchEnv('http://127.0.0.1:9', null));
  const logger = createLogger({ level: logLevel, destination: pino.destination({ dest: '/dev/null', sync: true }) });
  const built = createChannelRegistry({ env: config.env, worker: config.worker, pool: null, logger });
  const limiters = new RateLimiterRegistry();
  const url = `${receiver.url}/hooks/wedsync`;
  let stop = false;
  const tally = { counting: false, done: 0 };
  let failed = 0;
  const next = (): Delivery => webhookDelivery(url, { tag, rateLimit: limit });
  const dispatcher: Dispatcher = new Dispatcher({
    channels: built.channels,
    limiterFor: (d) => limiters.get(destinationKey(d.channel, d.recipient), d.rateLimit!),
    retry: config.worker.retry,
    deadLetters: createMemoryDeadLetterSink(100),
    destinations: new DestinationHealth(),
    failoverDeadlineMs: config.worker.failover.criticalDeadlineMs,
    logger,
    onOutcome: (_delivery, outcome) => {
      if (outcome.kind !== 'delivered') failed += 1;
      else if (tally.counting) tally.done += 1;
      if (!stop) void dispatcher.submit([next()]);
    },
  });
  await dispatcher.submit(Array.from({ length: c }, next));
  const rate = await countWindow(timing, tally);
  stop = true;
  await dispatcher.drain(10_000);
  await limiters.stopAll();
  await built.close();
  if (failed > 0) throw new Error(`${failed} deliveries failed in the ${tag} run`);
  return rate;
}

export async function runWebhook(options: RunOptions): Promise<FigureResult> {
  const timing: Timing = options.quick ? { warmMs: 200, ms: 500 } : { warmMs: 1_000, ms: 3_000 };
  const rounds = options.quick ? 1 : 2;
  const receiver = await spawnReceiver();
  const rows: FigureRow[] = [];
  const notes: string[] = [];
  try {
    for (const [id, c] of [['2a', 1], ['2b', 64]] as const) {
      const raw: Rate[] = [];
      const worker: Rate[] = [];
      // Alternate the two, so a drift of the machine (another process, thermal) hits both alike.
      for (let round = 0; round < rounds; round += 1) {
        options.log(`  c=${c} round ${round + 1}: raw undici Pool.request`);
        raw.push(await rawRate(receiver, c, timing));
        options.log(`  c=${c} round ${round + 1}: Dispatcher + webhook channel, no rate (concurrency cap)`);
        worker.push(await dispatcherRate(receiver, c, { max: null, perMs: 1_000, maxConcurrent: c }, `c${c}r${round}`, timing));
      }
      const mean = (rates: Rate[], of: keyof Rate) => rates.reduce((a, r) => a + r[of], 0) / rates.length;
      const rawMean = mean(raw, 'perSecond');
      const workerMean = mean(worker, 'perSecond');
      rows.push({
        id,
        what: `webhook deliveries, ${c} in flight, no rate limit`,
        value: workerMean,
        unit: '/s',
        baseline: { what: `raw undici Pool.request, c=${c}`, value: rawMean },
        ratio: workerMean / rawMean,
        goal: `≥ ${GOAL_RATIO} of raw`,
        met: judged(options, workerMean / rawMean >= GOAL_RATIO),
      });
      notes.push(
        `c=${c}: raw ${raw.map((r) => fmt(r.perSecond)).join(', ')}/s; worker ${worker.map((r) => fmt(r.perSecond)).join(', ')}/s (${rounds} alternating round(s) of ${timing.ms / 1000} s after ${timing.warmMs / 1000} s warm-up; the mean is reported). CPU of this process per request: raw ${fmt(mean(raw, 'cpuUs'))} µs, worker ${fmt(mean(worker, 'cpuUs'))} µs.`,
      );
      if (c === 64) {
        options.log('  c=64: the same with LOG_LEVEL=warn (no "delivered" line)');
        const { perSecond: quiet } = await dispatcherRate(receiver, c, { max: null, perMs: 1_000, maxConcurrent: c }, 'warn64', timing, 'warn');
        rows.push({ id: `${id}·`, what: 'the same with LOG_LEVEL=warn (no "delivered" log line)', value: quiet, unit: '/s', baseline: { what: `raw undici Pool.request, c=${c}`, value: rawMean }, ratio: quiet / rawMean, goal: '', met: null });
      }
      options.log(`  c=${c}: sliding-log limit (configured, not binding)`);
      const { perSecond: limited } = await dispatcherRate(receiver, c, { max: 1_000_000, perMs: 1_000, maxConcurrent: c }, `bn${c}`, timing);
      rows.push({
        id: `${id}·`,
        what: `the same under a limit of 1,000,000/s (never binding), c=${c}`,
        value: limited,
        unit: '/s',
        baseline: { what: `raw undici Pool.request, c=${c}`, value: rawMean },
        ratio: limited / rawMean,
        goal: '',
        met: null,
      });
    }
    if (options.profile) {
      const { summary } = await profileInProcess('fig2-dispatcher-c64', () => dispatcherRate(receiver, 64, { max: null, perMs: 1_000, maxConcurrent: 64 }, 'prof64', timing));
      notes.push(...profileNotes('the Dispatcher path at c=64 (this process only; the receiver is another process)', summary));
      const bn = await profileInProcess('fig2-limited-c64', () => dispatcherRate(receiver, 64, { max: 1_000_000, perMs: 1_000, maxConcurrent: 64 }, 'profbn', timing));
      notes.push(...profileNotes('the rate-limited path at c=64', bn.summary));
    }
  } finally {
    await receiver.close();
  }
  notes.unshift(
    'Receiver: bench/receiver.ts in its own process. Client and receiver share the 2 cores: at c=64 both are CPU-bound, so the raw figure is the ceiling of this box, not of undici.',
  );
  return { title: 'Webhook delivery', rows, notes };
}
