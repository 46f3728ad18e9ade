import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sleep, until } from './stats';

export const ROOT = resolve(__dirname, '../..');
/** Scratch space of this run: config files, worker logs, CPU profiles. */
export const SCRATCH = mkdtempSync(join(tmpdir(), 'wedsync-bench-'));

const children = new Set<ChildProcess>();

/** Every child this run started, killed by pid: used when the run is interrupted. */
export function killAllChildren(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** Resident set size of a process, from /proc (Linux), in bytes. */
export function rssOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/** Asks nicely, then by force: a child never outlives the figure that started it. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export interface ReceiverProcess {
  readonly url: string;
  readonly pid: number;
  received(): Promise<number>;
  setDelay(ms: number): void;
  /** Resolves when a request whose body contains `marker` arrives: its time (epoch ms) and how many came before. */
  watch(marker: string): Promise<{ atMs: number; before: number }>;
  close(): Promise<void>;
}

/** bench/receiver.ts in a process of its own. */
export async function spawnReceiver(delayMs = 0): Promise<ReceiverProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/receiver.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', RECEIVER_DELAY_MS: String(delayMs) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  const port = await new Promise<number>((done, fail) => {
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`receiver exited with ${code}`)));
    child.on('message', (m: { type: string; port?: number }) => m.type === 'listening' && done(m.port!));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    received: () =>
      new Promise((done) => {
        const onMessage = (m: { type: string; received?: number }) => {
          if (m.type !== 'stats') return;
          child.off('message', onMessage);
          done(m.received!);
        };
        child.on('message', onMessage);
        child.send({ type: 'stats' });
      }),
    setDelay: (ms) => child.send({ type: 'delay', ms }),
    watch: (marker) =>
      new Promise((done) => {
        const onMessage = (m: { type: string; atMs?: number; before?: number }) => {
          if (m.type !== 'marked') return;
          child.off('message', onMessage);
          done({ atMs: m.atMs!, before: m.before! });
        };
        child.on('message', onMessage);
        child.send({ type: 'watch', marker });
      }),
    close: async () => {
      child.disconnect();
      await stopChild(child);
      children.delete(child);
    },
  };
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly healthPort: number;
  readonly logFile: string;
  readonly spawnedAt: number;
  /** Resolves true once /readyz answers 200, false when the time is up or the process died. */
  untilReady(timeoutMs?: number): Promise<boolean>;
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

export interface WorkerSpawnOptions {
  /** `tsx`: node --import tsx src/main.ts (what the tests run); otherwise a compiled main.js. */
  readonly entry: { kind: 'tsx' } | { kind: 'compiled'; mainJs: string };
  readonly env: Record<string, string>;
  readonly configFile: unknown;
  readonly label: string;
  /** Extra node flags, e.g. --cpu-prof. */
  readonly nodeFlags?: readonly string[];
}

let workers = 0;

/**
 * The real worker entry point as a process: its own event loop, its own RSS. Logs (JSON, level
 * info, as in production) go to a file in the scratch folder, read only when something fails.
 */
export async function spawnWorker(options: WorkerSpawnOptions): Promise<WorkerProcess> {
  workers += 1;
  const configPath = join(SCRATCH, `${options.label}-${workers}.json`);
  writeFileSync(configPath, JSON.stringify(options.configFile));
  const logFile = join(SCRATCH, `${options.label}-${workers}.log`);
  const fd = openSync(logFile, 'w');
  const healthPort = await freePort();
  const args = options.entry.kind === 'tsx' ? ['--import', 'tsx', 'src/main.ts'] : [options.entry.mainJs];
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HEALTH_HOST: '127.0.0.1',
      HEALTH_PORT: String(healthPort),
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: '1000',
      CONFIG_FILE: configPath,
      ...options.env,
    },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  children.add(child);
  const logTail = (n = 15) => readFileSync(logFile, 'utf8').trim().split('\n').slice(-n).join('\n');
  return {
    child,
    healthPort,
    logFile,
    spawnedAt,
    logTail,
    untilReady: (timeoutMs = 20_000) =>
      until(
        async () => {
          if (child.exitCode !== null) return true;
          try {
            return (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status === 200;
          } catch {
            return false;
          }
        },
        timeoutMs,
        5,
      ).then((held) => held && child.exitCode === null),
    stop: async () => {
      await stopChild(child);
      children.delete(child);
      // Give the OS a moment to release the port and the database connections.
      await sleep(50);
    },
  };
}

/** One Prometheus sample from the worker's /metrics, or NaN. */
export async function scrapeMetric(healthPort: number, name: string): Promise<number> {
  return (await scrapeMetrics(healthPort, [name]))[name]!;
}

/**
 * Several metrics from one scrape, each summed over its label sets; NaN for one not exposed. A
 * name may carry label matchers, `wedsync_deliveries_total{outcome="delivered"}`: then only the
 * label sets holding every one of them count.
 */
export async function scrapeMetrics(healthPort: number, names: readonly string[]): Promise<Record<string, number>> {
  const out = Object.fromEntries(names.map((n) => [n, Number.NaN]));
  const wanted = names.map((key) => {
    const brace = key.indexOf('{');
    if (brace < 0) return { key, name: key, labels: [] as string[] };
    return { key, name: key.slice(0, brace), labels: key.slice(brace + 1, -1).split(',') };
  });
  try {
    const text = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
    for (const line of text.split('\n')) {
      for (const w of wanted) {
        if (!(line.startsWith(`${w.name} `) || line.startsWith(`${w.name}{`))) continue;
        if (!w.labels.every((label) => line.includes(label))) continue;
        out[w.key] = (Number.isNaN(out[w.key]!) ? 0 : out[w.key]!) + Number(line.slice(line.lastIndexOf(' ') + 1));
      }
    }
  } catch {
    // The worker is gone or busy: NaN says so.
  }
  return out;
}

/** CPU seconds (user + system) used so far by one process, from /proc (Linux); NaN once it is gone. */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU seconds used so far by every PostgreSQL process of the machine (backends come and go with
 * connections, so compare two snapshots by pid). Other sessions' work is included: note it.
 */
export function postgresCpu(): Map<number, number> {
  const seconds = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'postgres') continue;
      seconds.set(Number(entry), cpuSecondsOf(Number(entry)));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return seconds;
}

/** PostgreSQL CPU seconds spent between two snapshots (new backends count from zero). */
export function postgresCpuSince(before: Map<number, number>): number {
  let total = 0;
  for (const [pid, now] of postgresCpu()) total += now - (before.get(pid) ?? 0);
  return total;
}
