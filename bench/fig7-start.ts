/**
 * Figure 7 — start to ready: from spawning the worker process to its /readyz answering 200,
 * with a database (this run's schema, its graphile-worker schema already migrated: a restart or a
 * new replica, not a first deploy) and the loopback Realtime server, whose subscription must be
 * live for /readyz to say ready. A first deploy also migrates graphile-worker's schema: that is
 * timed once at set-up (bench/lib/db.ts) rather than here, because a migration in the middle of
 * the run would stop every graphile-worker listening in the same database.
 *
 * Entries: the compiled JavaScript (what the container runs: dist/src/main.js when it is newer
 * than every source file, otherwise a fresh tsc build of the current tree) and
 * `node --import tsx src/main.ts` (what the tests and `npm run cli` use: compiles on the fly).
 * Baselines: the same machine's `node -e ""` (spawn → exit) and a bare node:http server
 * (spawn → first 200), measured between the worker's starts.
 */
import { spawn } from 'node:child_process';
import type { BenchDatabase } from './lib/db';
import { freePort, spawnWorker, type WorkerSpawnOptions } from './lib/processes';
import { judged, type FigureResult, type FigureRow, type RunOptions } from './lib/result';
import { fmt, median, until } from './lib/stats';
import { LoopbackWorld } from './lib/steady-load';
import { benchEnv, benchRulesFile } from './lib/worker-config';

const GOAL_MS = 2_000;

async function nodeEmpty(): Promise<number> {
  const start = performance.now();
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((done) => child.on('exit', done));
  return performance.now() - start;
}

async function bareHttpServer(): Promise<number> {
  const port = await freePort();
  const start = performance.now();
  const child = spawn(process.execPath, ['-e', `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`], { stdio: 'ignore' });
  const up = await until(
    async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/`)).status === 200;
      } catch {
        return false;
      }
    },
    10_000,
    5,
  );
  const elapsed = performance.now() - start;
  child.kill('SIGKILL');
  await new Promise((done) => child.on('exit', done));
  if (!up) throw new Error('the bare HTTP server did not answer');
  return elapsed;
}

async function workerStart(world: LoopbackWorld, db: BenchDatabase, entry: WorkerSpawnOptions['entry'], queueSchema: string, label: string): Promise<number> {
  const worker = await spawnWorker({ entry, env: benchEnv(world.realtime.url, db.databaseUrl), configFile: benchRulesFile(world.receiverUrl, { queueSchema }), label });
  try {
    if (!(await worker.untilReady(30_000))) throw new Error(`worker ${label} never became ready:\n${worker.logTail()}`);
    return performance.now() - worker.spawnedAt;
  } finally {
    await worker.stop();
  }
}

export async function runStart(options: RunOptions, db: BenchDatabase, compiled: { mainJs: string; how: string } | null): Promise<FigureResult> {
  const runs = options.quick ? 1 : 5;
  const world = await LoopbackWorld.start();
  const entries: { name: string; entry: WorkerSpawnOptions['entry'] }[] = [
    ...(compiled ? [{ name: `compiled (${compiled.how})`, entry: { kind: 'compiled' as const, mainJs: compiled.mainJs } }] : []),
    { name: 'node --import tsx src/main.ts', entry: { kind: 'tsx' as const } },
  ];
  const empty: number[] = [];
  const http: number[] = [];
  const rows: FigureRow[] = [];
  const notes: string[] = [];
  try {
    // Baselines are measured between the worker's starts too, so all see the same machine state.
    empty.push(await nodeEmpty());
    http.push(await bareHttpServer());
    for (const [i, { name, entry }] of entries.entries()) {
      const queueSchema = db.queueSchema(`gw7_${i}`);
      const warm: number[] = [];
      for (let r = 0; r < runs; r += 1) {
        options.log(`  ${name}: start ${r + 1}/${runs}`);
        warm.push(await workerStart(world, db, entry, queueSchema, `fig7-${i}`));
        empty.push(await nodeEmpty());
        http.push(await bareHttpServer());
      }
      const m = median(warm);
      rows.push({
        id: i === 0 ? '7' : '7·',
        what: `start → /readyz 200, ${name}, median of ${runs}`,
        value: m,
        unit: 'ms',
        baseline: { what: 'bare node:http server start → 200', value: median(http) },
        ratio: m / median(http),
        goal: i === 0 ? `< ${fmt(GOAL_MS)} ms` : '',
        met: i === 0 ? judged(options, m < GOAL_MS) : null,
      });
      notes.push(`${name}: starts ${warm.map((w) => `${fmt(w)} ms`).join(', ')}.`);
    }
  } finally {
    await world.close();
  }
  notes.push(`A first deploy adds graphile-worker's own migration of a fresh schema: ${fmt(db.queueMigrationMs)} ms here (timed at set-up).`);
  notes.push(`Baselines (median): \`node -e ""\` ${fmt(median(empty))} ms (spawn → exit), bare node:http server ${fmt(median(http))} ms (spawn → first 200). /readyz is polled every 5 ms.`);
  if (!compiled) notes.push('No compiled build was measured (quick mode, or the build failed): only the tsx entry.');
  return { title: 'Start to ready', rows, notes };
}
