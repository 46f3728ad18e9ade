import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { findingsFor, GENERAL_FINDINGS } from './findings';
import { ROOT } from './lib/processes';
import type { FigureResult, FigureRow } from './lib/result';
import { fmt } from './lib/stats';

/** The packages whose versions decide the figures. */
const KEY_PACKAGES = ['undici', 'pg', 'graphile-worker', 'ioredis', 'p-queue', 'p-retry', '@supabase/supabase-js', 'ws', 'zod', 'luxon', 'pino', 'standardwebhooks', 'tsx', 'typescript'];

export interface RunRecord {
  readonly startedAt: Date;
  readonly seconds: number;
  readonly command: string;
  readonly mode: 'full' | 'quick' | 'long';
  readonly postgres: string;
  readonly entry: string;
  /** 1-minute load average before and after: other work on the machine shows here. */
  readonly loadBefore: number;
  readonly loadAfter: number;
  readonly results: FigureResult[];
  readonly failures: { title: string; error: string }[];
}

export function machine(postgres: string, load?: { before: number; after: number }): [string, string][] {
  const os = /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'unknown';
  const version = (name: string) => {
    try {
      return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return 'absent';
    }
  };
  return [
    ['CPU', `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}) — client, worker, receiver and PostgreSQL all share them`],
    ['Memory', `${fmt(totalmem() / 2 ** 30)} GiB`],
    ['OS', `${os}, Linux ${release()}`],
    ['Node', process.version],
    ['PostgreSQL', postgres],
    ['Packages', KEY_PACKAGES.map((p) => `${p} ${version(p)}`).join(', ')],
    ...(load ? [['Load average (1 min)', `${fmt(load.before)} before the run, ${fmt(load.after)} after (2 cores; other work on the machine competes with every figure)`] as [string, string]] : []),
  ];
}

const valueOf = (row: FigureRow) => `${fmt(row.value)} ${row.unit}`;
const metOf = (row: FigureRow) => (row.met === null ? (row.goal ? '—' : '') : row.met ? 'met' : 'MISSED');
const baselineOf = (row: FigureRow) => (row.baseline ? `${fmt(row.baseline.value)} (${row.baseline.what})` : '');
const ratioOf = (row: FigureRow) => (row.ratio === null ? '' : `${fmt(row.ratio)}×`);

/** The table for the terminal: plain columns, widest cell decides. */
export function terminalTable(results: readonly FigureResult[]): string {
  const header = ['fig', 'what', 'value', 'baseline (same run)', 'ratio', 'goal', 'met'];
  const rows = results.flatMap((r) => r.rows.map((row) => [row.id, row.what, valueOf(row), baselineOf(row), ratioOf(row), row.goal, metOf(row)]));
  const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const limits = [4, 64, 14, 52, 8, 40, 6];
  const cells = [header, ...rows].map((r) => r.map((c, i) => clip(c, limits[i]!)));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

const md = (s: string) => s.replace(/\|/g, '\\|');

export function markdown(run: RunRecord): string {
  const out: string[] = [];
  out.push('# Benchmarks', '');
  out.push(
    'Written by `npm run bench` (bench/run.ts); do not edit by hand — edit bench/findings.ts for the prose that explains missed goals. Every figure is measured next to its baseline in the same run, on the same machine. Nothing here is asserted by a test: speed is measured, never asserted.',
    '',
  );
  out.push(`- **Date:** ${run.startedAt.toISOString()}`, `- **Command:** \`${run.command}\` (${run.mode}; the run took ${fmt(run.seconds)} s)`, `- **Worker entry measured:** ${run.entry}`, '');
  out.push('| machine | |', '|---|---|', ...machine(run.postgres, { before: run.loadBefore, after: run.loadAfter }).map(([k, v]) => `| ${k} | ${md(v)} |`), '');
  out.push('## Summary', '');
  out.push('| fig | what | value | baseline (same run) | ratio | goal | met |', '|---|---|---|---|---|---|---|');
  for (const r of run.results) for (const row of r.rows) out.push(`| ${row.id} | ${md(row.what)} | ${md(valueOf(row))} | ${md(baselineOf(row))} | ${ratioOf(row)} | ${md(row.goal)} | ${metOf(row)} |`);
  out.push('', 'Rows marked `·` are context for the figure above them (a contrast or a breakdown); they have no goal of their own.', '');
  for (const failure of run.failures) out.push(`**${failure.title} failed in this run:** \`${md(failure.error)}\``, '');
  for (const r of run.results) {
    out.push(`## ${r.rows[0]?.id.replace(/[a-z·]+$/, '') ?? ''}. ${r.title}`, '');
    for (const row of r.rows.filter((x) => x.goal)) {
      out.push(`- **${row.id}: ${fmt(row.value)} ${row.unit}** against ${row.baseline ? `${fmt(row.baseline.value)} (${row.baseline.what})` : 'no baseline'}, ratio ${ratioOf(row)}; goal ${row.goal}: **${row.met === null ? 'not judged' : row.met ? 'met' : 'missed'}**.`);
    }
    out.push('', ...r.notes.map((n) => (n.startsWith('  ') ? n : `- ${n}`)), '');
    const missed = r.rows.filter((row) => row.met === false).map((row) => row.id);
    const findings = findingsFor(missed);
    if (findings.length > 0) out.push('**What bounds it.**', '', ...findings, '');
  }
  out.push('## Findings across figures', '', ...GENERAL_FINDINGS, '');
  return out.join('\n');
}
