// `npm test` runs this before jest: it makes sure the one thing the tests need that npm cannot
// install is there. Three browser tests drive Debian's Chromium (test/support/browser.ts); a fresh
// machine of this kind does not have it, and Playwright's own download cannot reach its host here.
// PostgreSQL and Redis are started by the machine itself (and by .ci/run when they are not).
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import process from 'node:process';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function runs(path) {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return false;
  }
  return spawnSync(path, ['--version'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
}

function fail(message) {
  process.stderr.write(`prepare-tests: ${message}\n`);
  process.exit(1);
}

/** Runs quietly; on failure prints the tail of what apt said, then one line saying what to do. */
function apt(args) {
  const result = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', '-qq', ...args], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    encoding: 'utf8',
  });
  if (result.status === 0) return;
  const said = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`.trim();
  if (said) process.stderr.write(`${said.split('\n').slice(-5).join('\n')}\n`);
  fail(`\`apt-get ${args.join(' ')}\` failed; install Debian's chromium by hand (the browser tests need ${chromium}).`);
}

if (!runs(chromium)) {
  if (process.env.CHROMIUM_PATH) fail(`CHROMIUM_PATH=${chromium} is not a Chromium that runs; point it at one or unset it.`);
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!isRoot || !hasApt) {
    fail(`the browser tests need Chromium at ${chromium}: run \`sudo apt-get install -y chromium\` (Debian) or set CHROMIUM_PATH to one.`);
  }
  process.stderr.write("prepare-tests: installing Debian's chromium for the browser tests (once; about a minute)\n");
  apt(['update']);
  apt(['install', '-y', 'chromium']);
  if (!runs(chromium)) fail(`Debian's chromium installed, but ${chromium} does not run (\`${chromium} --version\` fails).`);
}
