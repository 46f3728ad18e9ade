import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeRealtime, type FakeRealtime } from '../../test/support/realtime-server';
import { rssOf, scrapeMetric, spawnWorker, type WorkerProcess, type WorkerSpawnOptions } from './processes';
import { quantile, sleep, until } from './stats';
import { benchEnv, benchRulesFile, BENCH_TABLE } from './worker-config';

/**
 * The loopback world of the worker-process figures, in this process: the Realtime server that
 * pushes changes, and the receiver that times their webhooks. Both clocks are this process's
 * performance.now(), so "pushed → received" needs no clock agreement between processes. The
 * worker under test is the real entry point (src/main.ts) in a process of its own.
 */
export class LoopbackWorld {
  private constructor(
    readonly realtime: FakeRealtime,
    private readonly server: Server,
    readonly receiverUrl: string,
    readonly pushedAt: Map<number, number>,
    readonly receivedAt: Map<number, number>,
  ) {}

  static async start(): Promise<LoopbackWorld> {
    const realtime = await startFakeRealtime();
    const receivedAt = new Map<number, number>();
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const at = performance.now();
        const seq = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: { record?: { seq?: number } } }).data?.record?.seq;
        // A retry or a second copy would arrive twice; the first arrival is the latency.
        if (typeof seq === 'number' && !receivedAt.has(seq)) receivedAt.set(seq, at);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    return new LoopbackWorld(realtime, server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, new Map(), receivedAt);
  }

  push(seq: number): void {
    this.pushedAt.set(seq, performance.now());
    this.realtime.emitChange({ table: BENCH_TABLE, type: 'INSERT', record: { id: `bench-${seq}`, seq, note: 'steady load' } });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((done) => this.server.close(() => done()));
    await this.realtime.close();
  }
}

export interface MemorySample {
  readonly atS: number;
  readonly rssMb: number;
  readonly heapMb: number;
}

export interface SteadyRun {
  readonly pushed: number;
  readonly received: number;
  /**
   * Push → first arrival, in ms, for changes pushed after the warm-up. A change still missing
   * when the wait for stragglers ends counts with the time it had waited so far: a lower bound.
   */
  readonly latenciesMs: number[];
  /** Changes (after the warm-up) that had not arrived when the run ended. */
  readonly missing: number;
  readonly samples: MemorySample[];
  readonly startToReadyMs: number;
}

export interface SteadyOptions {
  readonly label: string;
  readonly ratePerS: number;
  readonly durationMs: number;
  /** Changes pushed in the first this-many ms are not counted (JIT, first connections). */
  readonly warmupMs: number;
  readonly databaseUrl: string | null;
  readonly queueSchema?: string;
  readonly sampleEveryMs?: number;
  /** How long to wait for changes still on their way after the last push (default 60 s). */
  readonly stragglerWaitMs?: number;
  readonly entry: WorkerSpawnOptions['entry'];
  readonly nodeFlags?: readonly string[];
  readonly log: (message: string) => void;
}

/**
 * Starts the worker against the world, waits for /readyz 200, pushes `ratePerS` changes a second
 * for `durationMs` on a fixed schedule (not "as fast as the worker goes": an open loop, so a slow
 * worker shows as latency, not as a lower rate), then waits for the stragglers.
 */
export async function steadyRun(world: LoopbackWorld, options: SteadyOptions): Promise<SteadyRun> {
  world.pushedAt.clear();
  world.receivedAt.clear();
  const worker: WorkerProcess = await spawnWorker({
    entry: options.entry,
    env: benchEnv(world.realtime.url, options.databaseUrl),
    configFile: benchRulesFile(world.receiverUrl, options.queueSchema ? { queueSchema: options.queueSchema } : {}),
    label: options.label,
    ...(options.nodeFlags ? { nodeFlags: options.nodeFlags } : {}),
  });
  const samples: MemorySample[] = [];
  try {
    if (!(await worker.untilReady(30_000))) throw new Error(`worker ${options.label} never became ready:\n${worker.logTail()}`);
    const startToReadyMs = performance.now() - worker.spawnedAt;
    const total = Math.round((options.ratePerS * options.durationMs) / 1000);
    const start = performance.now();
    let seq = 0;
    let nextSample = 0;
    const every = options.sampleEveryMs ?? 5_000;
    let nextProgress = 30_000;
    while (seq < total) {
      const elapsed = performance.now() - start;
      const due = Math.min(total, Math.floor((elapsed * options.ratePerS) / 1000) + 1);
      while (seq < due) world.push(seq++);
      if (elapsed >= nextSample) {
        nextSample += every;
        const heap = await scrapeMetric(worker.healthPort, 'nodejs_heap_size_used_bytes');
        samples.push({ atS: elapsed / 1000, rssMb: rssOf(worker.child.pid!) / 2 ** 20, heapMb: heap / 2 ** 20 });
      }
      if (elapsed >= nextProgress) {
        nextProgress += 30_000;
        options.log(`    ${Math.round(elapsed / 1000)} s: ${world.receivedAt.size}/${seq} received, RSS ${samples.at(-1)?.rssMb.toFixed(0)} MB`);
      }
      await sleep(1);
    }
    await until(() => world.receivedAt.size >= total, options.stragglerWaitMs ?? 60_000, 20);
    const endedAt = performance.now();
    const latenciesMs: number[] = [];
    let missing = 0;
    for (const [s, pushed] of world.pushedAt) {
      if (pushed - start < options.warmupMs) continue;
      const received = world.receivedAt.get(s);
      if (received === undefined) missing += 1;
      latenciesMs.push((received ?? endedAt) - pushed);
    }
    return { pushed: total, received: world.receivedAt.size, latenciesMs, missing, samples, startToReadyMs };
  } finally {
    await worker.stop();
  }
}

export function latencySummary(latenciesMs: readonly number[]) {
  return { p50: quantile(latenciesMs, 0.5), p99: quantile(latenciesMs, 0.99), max: quantile(latenciesMs, 1), n: latenciesMs.length };
}
