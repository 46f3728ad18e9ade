import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './processes';

/** Where the bench puts its own build: under node_modules, so git, eslint and tsc ignore it. */
const OUT_DIR = join(ROOT, 'node_modules/.cache/wedsync-bench');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export interface CompiledEntry {
  readonly mainJs: string;
  readonly how: string;
  readonly buildSeconds: number | null;
}

/**
 * The compiled worker, as the container runs it. dist/src/main.js when it is newer than every
 * file under src/ (a stale dist would measure old code); otherwise the bench compiles the
 * current tree with the project's own tsc settings (tsconfig.build.json) into its cache folder.
 * In quick mode no build is made: only the tsx entry is used.
 */
export async function compiledEntry(quick: boolean, log: (message: string) => void): Promise<CompiledEntry | null> {
  const dist = join(ROOT, 'dist/src/main.js');
  const sources = newestMtime(join(ROOT, 'src'));
  if (existsSync(dist) && statSync(dist).mtimeMs >= sources) return { mainJs: dist, how: 'dist/, newer than src/', buildSeconds: null };
  if (quick) return null;
  log(`dist/ is ${existsSync(dist) ? 'older than src/' : 'missing'}: compiling the current tree with tsconfig.build.json into node_modules/.cache/wedsync-bench`);
  const started = performance.now();
  const startedWall = Date.now();
  try {
    await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', OUT_DIR, '--sourceMap', 'false'], { cwd: ROOT });
  } catch (error) {
    // tsc emits even with type errors (another engineer's work in progress); use it if it did.
    log(`tsc reported problems: ${String((error as { stdout?: string }).stdout ?? error).split('\n').slice(0, 3).join(' | ')}`);
  }
  const mainJs = join(OUT_DIR, 'src/main.js');
  // Written by this build (not a leftover of an older one)?
  if (!existsSync(mainJs) || statSync(mainJs).mtimeMs < startedWall - 1_000) return null;
  return { mainJs, how: 'tsc build of the current tree by the bench', buildSeconds: (performance.now() - started) / 1000 };
}
