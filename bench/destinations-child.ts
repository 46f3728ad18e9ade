/**
 * Child process of figure 8: uses N distinct destinations once each through the real
 * RateLimiterRegistry (the tenant default, 100 a minute), then idles, and prints what that cost
 * as one JSON line. A process of its own, so its RSS and CPU are the limiter's and nothing else's.
 * The idle CPU is read after a settle (1 s, at most a fifth of the idle time) in which the
 * set-up's garbage goes.
 *
 *   node --import tsx bench/destinations-child.ts <destinations> <local|redis> <idleMs>
 */
import { Redis } from 'ioredis';
import { RateLimiterRegistry } from '../src/deliver/rate-limiter';

const [count, mode, idle] = process.argv.slice(2);
const destinations = Number(count);
const idleMs = Number(idle);
const settleMs = Math.min(1_000, idleMs / 5);
const settings = { max: 100, perMs: 60_000, maxConcurrent: 8 };
const BATCH = 500;

function timers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

async function main(): Promise<void> {
  const namespace = `bench-fig8-${process.pid}`;
  const redis = mode === 'redis' ? new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null }) : undefined;
  if (redis) await redis.ping();
  const registry = new RateLimiterRegistry(redis, namespace);
  // A first use, so the baseline has the code loaded and JIT-compiled.
  await registry.get('warm-up', settings).schedule('normal', async () => undefined);
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const timersBefore = timers();
  const setUpStarted = performance.now();
  for (let first = 0; first < destinations; first += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, destinations - first) }, (_, i) =>
      registry.get(`webhook:endpoint-${first + i}`, settings).schedule('normal', async () => undefined),
    );
    await Promise.all(batch);
  }
  const setUpMs = performance.now() - setUpStarted;
  // A moment for the set-up's garbage to be collected, then the idle reading proper.
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const cpuBefore = process.cpuUsage();
  const idleStarted = performance.now();
  await new Promise((resolve) => setTimeout(resolve, idleMs));
  const cpu = process.cpuUsage(cpuBefore);
  const idleSeconds = (performance.now() - idleStarted) / 1000;
  const result = {
    destinations,
    mode,
    setUpMsPerDestination: setUpMs / destinations,
    idleCpuShareOfCore: (cpu.user + cpu.system) / 1e6 / idleSeconds,
    rssBytes: process.memoryUsage().rss,
    rssBeforeBytes: rssBefore,
    timersWhileIdle: timers() - timersBefore,
    sizes: registry.sizes(),
    redisKeys: redis ? await countKeys(redis, `${namespace}:*`) : 0,
  };
  await registry.stopAll();
  if (redis) {
    await deleteKeys(redis, `${namespace}:*`);
    redis.disconnect();
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function countKeys(redis: Redis, pattern: string): Promise<number> {
  let n = 0;
  const stream = redis.scanStream({ match: pattern, count: 1_000 });
  for await (const keys of stream) n += (keys as string[]).length;
  return n;
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  const stream = redis.scanStream({ match: pattern, count: 1_000 });
  for await (const keys of stream) if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
