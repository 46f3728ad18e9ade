import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join, relative } from 'node:path';
import { ROOT, SCRATCH } from './processes';

/** The parts of a V8 .cpuprofile (what `node --cpu-prof` writes) that a summary needs. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

export const PROFILE_DIR = join(SCRATCH, 'profiles');

/** Where a figure's worker writes its CPU profile under --profile, and the node flags that make it write there. */
export function workerProfile(profile: boolean, figure: string): { readonly dir: string; readonly flags: { nodeFlags?: readonly string[] } } {
  const dir = join(PROFILE_DIR, figure);
  if (!profile) return { dir, flags: {} };
  mkdirSync(dir, { recursive: true });
  return { dir, flags: { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`] } };
}

/** Where a frame lives, for people: a package, a file of ours, or a V8 pseudo-frame. */
function placeOf(url: string): string {
  if (!url) return 'V8/native';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const parts = path.slice(nm + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  if (path.startsWith('node:')) return path;
  return relative(ROOT, path);
}

export interface ProfileSummary {
  readonly file: string;
  readonly totalMs: number;
  /** Self time by function, biggest first, as "share% name (place:line)". */
  readonly functions: string[];
  /** Self time by package or file of ours. */
  readonly places: string[];
}

/** Self time per function and per place (package / our file), from the samples. */
export function summarizeProfile(file: string, top = 10): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;
  const functions = new Map<string, number>();
  const places = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const place = placeOf(url);
    // Line numbers mean something in packages; our files run transpiled by tsx, so name them only.
    const line = url.includes('node_modules/') ? `:${lineNumber + 1}` : '';
    const name = `${functionName || '(anonymous)'} (${place}${line})`;
    functions.set(name, (functions.get(name) ?? 0) + us);
    const group = url ? place : functionName || 'V8/native';
    places.set(group, (places.get(group) ?? 0) + us);
  }
  const ranked = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `${((100 * us) / total).toFixed(1)}% ${k}`);
  return { file, totalMs: total / 1000, functions: ranked(functions), places: ranked(places) };
}

/** The newest .cpuprofile a child wrote with --cpu-prof --cpu-prof-dir=dir. */
export function newestProfileIn(dir: string): string | null {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
  return files.length ? join(dir, files[files.length - 1]!) : null;
}

/**
 * The same sampling profiler `node --cpu-prof` uses, started and stopped around one phase of
 * this process (in-process figures): the profile file is identical in format.
 */
export async function profileInProcess<T>(name: string, phase: () => Promise<T>): Promise<{ result: T; summary: ProfileSummary }> {
  mkdirSync(PROFILE_DIR, { recursive: true });
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  let result: T;
  try {
    result = await phase();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    const file = join(PROFILE_DIR, `${name}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  }
  return { result, summary: summarizeProfile(join(PROFILE_DIR, `${name}.cpuprofile`)) };
}

/** Markdown lines for a profile summary. */
export function profileNotes(label: string, summary: ProfileSummary): string[] {
  return [
    `Profile of ${label} (${summary.totalMs.toFixed(0)} ms sampled, \`${summary.file}\`):`,
    `  - self time by place: ${summary.places.slice(0, 6).join('; ')}`,
    `  - hottest functions: ${summary.functions.slice(0, 6).join('; ')}`,
  ];
}
