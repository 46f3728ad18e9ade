import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitFor } from './wait-for';

const ROOT = resolve(__dirname, '../..');

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Parsed JSON log lines so far (non-JSON output is skipped). */
  readonly lines: () => Record<string, unknown>[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  healthPort(): Promise<number>;
}

/** Kills (SIGKILL) every worker still running and waits until all have exited; the list is emptied. */
export async function killWorkers(workers: WorkerProcess[]): Promise<void> {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await Promise.all(workers.splice(0).map((w) => w.exited));
}

/** Runs `src/main.ts` as a real process (through tsx), with a config file written for it. */
export function spawnWorker({ env, configFile }: { env: Record<string, string>; configFile?: unknown }): WorkerProcess {
  const extraEnv: Record<string, string> = {};
  if (configFile !== undefined) {
    const path = join(mkdtempSync(join(tmpdir(), 'wedsync-')), 'worker.json');
    writeFileSync(path, typeof configFile === 'string' ? configFile : JSON.stringify(configFile));
    extraEnv.CONFIG_FILE = path;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HEALTH_HOST: '127.0.0.1', HEALTH_PORT: '0', ...extraEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const lines = () =>
    output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    child,
    output: () => output,
    lines,
    exited,
    healthPort: () =>
      waitFor(() => lines().find((l) => l.msg === 'worker started')?.healthPort as number | undefined, {
        what: 'the worker to start',
        timeoutMs: 60_000,
      }),
  };
}
