/**
 * Figure 4 — critical under backlog: 10,000 normal deliveries waiting behind a limit of 1 a
 * second on one destination, then one critical to the same destination: its wait, from
 * app.queue.submit to the receiver having it.
 *
 * The real path: the app (createApp) with the durable queue on this run's schema; deliveries as
 * the planner makes them (bench/lib/worker-config.ts), all to one partner endpoint with
 * rateLimit {max 1, perMs 1000, maxConcurrent 1}. While the backlog waits, graphile-worker keeps
 * picking its jobs and the queue puts them back (maxWaitingPerDestination): the churn is part of
 * what the critical has to get through. Baseline: the limit's slot interval (1,000 ms). "The next
 * slot" is judged two ways: the wait is within one slot interval plus a pickup allowance, and no
 * normal delivery reached the receiver between the critical's submit and its arrival.
 */
import pino from 'pino';
import { createApp } from '../src/app';
import { createLogger } from '../src/lib/logger';
import { startFakeRealtime } from '../test/support/realtime-server';
import type { BenchDatabase } from './lib/db';
import { spawnReceiver } from './lib/processes';
import { judged, type FigureResult, type RunOptions } from './lib/result';
import { fmt, median, sleep, until } from './lib/stats';
import { benchConfig, benchEnv, benchRulesFile, webhookDelivery } from './lib/worker-config';

const SLOT_MS = 1_000;
/** Time for the queue to notice and pick up a new job, on top of the slot itself. */
const PICKUP_ALLOWANCE_MS = 250;

export async function runCritical(options: RunOptions, db: BenchDatabase): Promise<FigureResult> {
  const backlog = options.quick ? 500 : 10_000;
  const criticals = options.quick ? 1 : 3;
  const receiver = await spawnReceiver();
  const realtime = await startFakeRealtime();
  const queueSchema = db.queueSchema('gw4');
  const config = benchConfig(benchRulesFile(receiver.url, { queueSchema }), benchEnv(realtime.url, db.databaseUrl));
  const logger = createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: true }) });
  const app = createApp({ config, logger });
  await app.start();
  const url = `${receiver.url}/hooks/wedsync`;
  const limit = { max: 1, perMs: SLOT_MS, maxConcurrent: 1 };
  const waits: number[] = [];
  const overtaken: number[] = [];
  try {
    options.log(`  submitting ${backlog} normal deliveries to one destination limited to 1/s`);
    const started = performance.now();
    for (let added = 0; added < backlog; added += 1_000) {
      await app.queue!.submit(Array.from({ length: Math.min(1_000, backlog - added) }, () => webhookDelivery(url, { tag: 'fig4', rateLimit: limit })));
    }
    const submitS = (performance.now() - started) / 1000;
    // Let the backlog settle into its steady state: the limiter full, the rest churning.
    await until(async () => (await receiver.received()) >= 3, 20_000, 50);
    for (let k = 0; k < criticals; k += 1) {
      // Land at a different point of the slot each time.
      await sleep(300 + Math.random() * SLOT_MS);
      const marker = `critical-${k}-${Date.now()}`;
      const arrival = receiver.watch(marker);
      const before = await receiver.received();
      const submittedAt = performance.timeOrigin + performance.now();
      const critical = webhookDelivery(url, {
        tag: 'fig4',
        rateLimit: limit,
        priority: { level: 'critical', score: 95, reasons: ['wedding is today'] },
        deadlineMs: Date.now() + 60_000,
        message: { channel: 'webhook', url, secrets: config.worker.webhookEndpoints[0]!.secrets, timeoutMs: 10_000, body: JSON.stringify({ type: 'wedding.emergency', marker }) },
      });
      await app.queue!.submit([critical]);
      const got = await Promise.race([arrival, sleep(30_000).then(() => null)]);
      if (!got) throw new Error('the critical delivery did not arrive within 30 s');
      waits.push(got.atMs - submittedAt);
      overtaken.push(got.before - before);
      options.log(`    critical ${k + 1}: ${fmt(got.atMs - submittedAt)} ms, ${got.before - before} normal deliveries before it`);
    }
    const pending = (await app.queue!.ledger.backlog()).byLevel.normal ?? 0;
    const worst = Math.max(...waits);
    const nextSlot = worst <= SLOT_MS + PICKUP_ALLOWANCE_MS && overtaken.every((n) => n === 0);
    return {
      title: 'Critical under backlog',
      rows: [
        {
          id: '4',
          what: `critical's wait behind ${fmt(backlog)} normal deliveries at 1/s (worst of ${criticals})`,
          value: worst,
          unit: 'ms',
          baseline: { what: 'the limit\'s slot interval', value: SLOT_MS },
          ratio: worst / SLOT_MS,
          goal: `the next slot (≤ ${SLOT_MS + PICKUP_ALLOWANCE_MS} ms, none overtakes)`,
          met: judged(options, nextSlot),
        },
      ],
      notes: [
        `Waits: ${waits.map((w) => `${fmt(w)} ms`).join(', ')} (median ${fmt(median(waits))} ms); normal deliveries that reached the receiver between a critical's submit and its arrival: ${overtaken.join(', ')}. The backlog took ${fmt(submitS)} s to submit; ${fmt(pending)} normal deliveries were still pending at the end.`,
        'Submit → arrival spans two processes (the app here, the receiver in its own); both read the same clock (performance.timeOrigin + now()).',
      ],
    };
  } finally {
    const t = performance.now();
    await app.stop();
    options.log(`    app stopped in ${fmt((performance.now() - t) / 1000)} s`);
    await realtime.close();
    await receiver.close();
  }
}
