/**
 * `npm run bench` — measures the worker against the ceiling of this machine (issue 8) and
 * rewrites BENCHMARKS.md.
 *
 *   npm run bench                  full run, ~8 minutes; prints the table, rewrites BENCHMARKS.md
 *   npm run bench -- --quick       small sizes, under a minute; prints the table, writes nothing,
 *                                  judges nothing (CI: shows the harness works)
 *   npm run bench -- --long        the memory run lasts the issue's full 10 minutes
 *   npm run bench -- --profile     also records CPU profiles of the hot phases and prints their top frames
 *   npm run bench -- --only=2,5    some figures only (prints, does not rewrite BENCHMARKS.md)
 *   npm run bench -- --saturday    figure 11 only, a wedding Saturday: 100,000 weddings, 500 changes/s for
 *                                  5 minutes (~10 minutes with seeding and drain); replaces ONLY figure 11's
 *                                  summary rows and section in BENCHMARKS.md and leaves the rest as it is
 *     --saturday-minutes N, --saturday-weddings N, --saturday-rate N (or SATURDAY_MINUTES, SATURDAY_WEDDINGS,
 *                                  SATURDAY_RATE): a shortened Saturday for development; printed, not written
 *
 * Figure 11 is not part of the full run (it would more than double it) nor of --quick (CI). A full run
 * rewrites BENCHMARKS.md but carries figure 11's part over from the file as the last Saturday run left it
 * (bench/lib/benchmarks-file.ts), so the file always holds the latest of both.
 *
 * Needs PostgreSQL on 127.0.0.1:5432 (the tests' server); makes a database of its own (one schema,
 * graphile-worker schemas beside it: bench/lib/db.ts says why) and drops it at the end, also on Ctrl-C.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { runDecision } from './fig1-decision';
import { runWebhook } from './fig2-webhook';
import { runLatency } from './fig3-latency';
import { runCritical } from './fig4-critical';
import { runDurable } from './fig5-durable';
import { runMemory } from './fig6-memory';
import { runStart } from './fig7-start';
import { runDestinations } from './fig10-destinations';
import { runEndToEnd } from './fig8-end-to-end';
import { runSmsRender } from './fig9-sms-render';
import { runSaturday, SATURDAY_FULL, type SaturdaySize } from './fig11-saturday';
import { carryFigure } from './lib/benchmarks-file';
import { compiledEntry } from './lib/build';
import { BenchDatabase } from './lib/db';
import { killAllChildren, ROOT, SCRATCH, type WorkerSpawnOptions } from './lib/processes';
import type { FigureResult, RunOptions } from './lib/result';
import { fmt } from './lib/stats';
import { markdown, terminalTable, type RunRecord } from './report';

/** Every graphile-worker schema the figures use, migrated up front (see bench/lib/db.ts). */
const QUEUE_SCHEMAS = ['gw3', 'gw3b', 'gw4', 'gw5', 'gw5bare', 'gw5batch', 'gw6', 'gw6b', 'gw7_0', 'gw7_1', 'gw8'];

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',').map(Number) ?? null;
/** `--name N`, `--name=N` or the environment variable; the default otherwise. */
const numberArg = (name: string, env: string, fallback: number): number => {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  const text = i === -1 ? process.env[env] : args[i]!.includes('=') ? args[i]!.slice(args[i]!.indexOf('=') + 1) : args[i + 1];
  const value = Number(text);
  return text !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
};
const saturday: SaturdaySize | null = flag('saturday')
  ? {
      minutes: numberArg('saturday-minutes', 'SATURDAY_MINUTES', SATURDAY_FULL.minutes),
      weddings: Math.round(numberArg('saturday-weddings', 'SATURDAY_WEDDINGS', SATURDAY_FULL.weddings)),
      ratePerS: numberArg('saturday-rate', 'SATURDAY_RATE', SATURDAY_FULL.ratePerS),
    }
  : null;
const saturdayFull = saturday !== null && saturday.minutes >= SATURDAY_FULL.minutes && saturday.weddings >= SATURDAY_FULL.weddings && saturday.ratePerS >= SATURDAY_FULL.ratePerS;
const started = performance.now();
const log = (message: string) => process.stdout.write(`[${fmt((performance.now() - started) / 1000, 3).padStart(5)} s] ${message}\n`);
const options: RunOptions = { quick: flag('quick'), long: flag('long'), profile: flag('profile'), log };

let db: BenchDatabase | undefined;
let cleaning: Promise<void> | undefined;
const cleanUp = () => {
  cleaning ??= (async () => {
    killAllChildren();
    await db?.drop().catch((error: unknown) => log(`could not drop the bench schema: ${String(error)}`));
  })();
  return cleaning;
};
process.on('SIGINT', () => {
  log('interrupted: stopping children and dropping the bench schemas');
  void cleanUp().then(() => process.exit(130));
});

async function main(): Promise<number> {
  if (saturday && options.quick) throw new Error('--saturday and --quick do not go together: the Saturday never runs in quick mode (CI)');
  const mode = options.quick ? 'quick' : options.long ? 'long' : 'full';
  // Another engineer's tests or linter on the same 2 cores show up here, and in the figures.
  const loadBefore = loadavg()[0]!;
  log(`wedsync worker benchmarks, ${mode} mode${options.profile ? ', with CPU profiles' : ''}; scratch ${SCRATCH}`);
  db = await BenchDatabase.create(saturday ? ['gw11'] : QUEUE_SCHEMAS);
  const postgres = (await db.pool.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]!.v;
  const compiled = await compiledEntry(options.quick, log);
  const entry: WorkerSpawnOptions['entry'] = compiled ? { kind: 'compiled', mainJs: compiled.mainJs } : { kind: 'tsx' };
  const entryText = compiled
    ? `compiled JavaScript (${compiled.how}${compiled.buildSeconds ? `, built in ${fmt(compiled.buildSeconds)} s` : ''}) for the worker processes of figures 3, 6, 7; figure 7 also measures the tsx entry`
    : '`node --import tsx src/main.ts` (no fresh compiled build in this mode)';
  const figures: [number, string, () => Promise<FigureResult>][] = [
    [8, 'End to end', () => runEndToEnd(options, db!, entry)],
    [1, 'Decision throughput', () => runDecision(options)],
    [2, 'Webhook delivery', () => runWebhook(options)],
    [3, 'Worker-added latency', () => runLatency(options, db!, entry)],
    [4, 'Critical under backlog', () => runCritical(options, db!)],
    [5, 'Durable throughput', () => runDurable(options, db!)],
    [6, 'Memory', () => runMemory(options, db!, entry)],
    [7, 'Start to ready', () => runStart(options, db!, compiled ? { mainJs: compiled.mainJs, how: compiled.how } : null)],
    [9, 'SMS rendering', () => runSmsRender(options)],
    [10, 'Cost of destinations', () => runDestinations(options)],
  ];
  // The Saturday runs alone: its load would disturb any figure beside it.
  if (saturday) figures.splice(0, figures.length, [11, 'A wedding Saturday', () => runSaturday(options, db!, entry, saturday)]);
  const results: FigureResult[] = [];
  const failures: RunRecord['failures'] = [];
  for (const [n, title, run] of figures) {
    if (only && !only.includes(n)) continue;
    log(`figure ${n}: ${title}`);
    const t = performance.now();
    try {
      // One figure failing (a port, a timeout) must not lose the others: it is reported instead.
      const result = await run();
      const heard = db.migrationsHeardSince(t);
      if (heard.length > 0) {
        log(`figure ${n}: ${heard.length} graphile-worker migration(s) elsewhere in the database during the figure`);
        result.notes.push(
          `**Disturbed:** ${heard.length} graphile-worker migration(s) of another schema in the same database were announced during this figure (another test run?); a breaking one stops every graphile-worker runner listening, this run's included. Re-run for clean figures.`,
        );
      }
      results.push({ ...result, seconds: (performance.now() - t) / 1000 });
    } catch (error) {
      log(`figure ${n} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      failures.push({ title: `${n}. ${title}`, error: error instanceof Error ? error.message.split('\n')[0]! : String(error) });
    }
    log(`figure ${n} done in ${fmt((performance.now() - t) / 1000)} s`);
  }
  await cleanUp();
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`\n${terminalTable(results)}\n\n`);
  for (const f of failures) process.stdout.write(`FAILED ${f.title}: ${f.error}\n`);
  const record: RunRecord = {
    startedAt: new Date(Date.now() - seconds * 1000),
    seconds,
    command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
    mode,
    postgres,
    entry: entryText,
    loadBefore,
    loadAfter: loadavg()[0]!,
    results,
    failures,
  };
  if (options.quick || only || (saturday && !saturdayFull)) {
    // BENCHMARKS.md is not written in these modes: the notes go to the terminal instead.
    for (const r of results) process.stdout.write(`${r.title}:\n${r.notes.map((n) => (n.startsWith('  ') ? n : `- ${n}`)).join('\n')}\n\n`);
  }
  if (options.quick) {
    process.stdout.write(`Quick mode: sizes are small and goals are not judged; BENCHMARKS.md is left as it is. (${fmt(seconds)} s)\n`);
  } else if (saturday && !saturdayFull) {
    process.stdout.write(`Shortened Saturday (${saturday.weddings} weddings, ${saturday.minutes} min, ${saturday.ratePerS}/s): BENCHMARKS.md is left as it is. (${fmt(seconds)} s)\n`);
  } else if (only) {
    process.stdout.write(`--only: BENCHMARKS.md is left as it is. (${fmt(seconds)} s)\n`);
  } else {
    const file = join(ROOT, 'BENCHMARKS.md');
    const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
    // A Saturday run replaces figure 11's part only; a full run keeps the part the last Saturday run wrote.
    const text = saturday ? (results.length > 0 ? carryFigure(markdown(record), before || markdown(record), '11') : before) : carryFigure(before, markdown(record), '11');
    writeFileSync(file, text);
    process.stdout.write(`BENCHMARKS.md${saturday ? " (figure 11's part)" : ''} rewritten. (${fmt(seconds)} s)\n`);
  }
  return failures.length > 0 ? 1 : 0;
}

main()
  .then((code) => process.exit(code))
  .catch(async (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    await cleanUp();
    // Explicit exit: realtime-js and pools can leave timers that would hold the process (README, "Known upstream quirks").
    process.exit(1);
  });
