import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { waitFor } from '../support/wait-for';

describe('npm run demo', () => {
  it('plays the wedding day on an embedded PostgreSQL, reaches every channel, and exits 0 on Ctrl-C', async () => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', HEALTH_PORT: '0' };
    // No DATABASE_URL: the demo must bring its own database.
    // Its own process group, so Ctrl-C can be sent the way a terminal sends it: to the whole group.
    const child = spawn('npm', ['run', 'demo'], { cwd: resolve(__dirname, '../..'), env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('exit', (code, signal) => done({ code, signal })));

    await waitFor(() => output.includes('scenario done'), { timeoutMs: 90_000, what: () => `the scenario (output so far:\n${output.slice(-2000)})` });
    expect(output).toContain('database embedded PostgreSQL');
    const sandbox = /sandbox {2}(.*)/.exec(output)?.[1] ?? '';
    const counts = Object.fromEntries(sandbox.split(', ').map((pair) => pair.split(': ')).map(([k, v]) => [k, Number(v)]));
    expect(counts).toEqual({ webhook: 4, email: 10, sms: 19, slack: 3, teams: 1, refused: 0 });
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
