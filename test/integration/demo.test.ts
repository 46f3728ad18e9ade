import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';

describe('npm run demo', () => {
  it('plays the scenario through the real worker and exits 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--once'], {
      cwd: resolve(__dirname, '../..'),
      env: { PATH: process.env.PATH ?? '', HEALTH_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    expect(code).toBe(0);
    expect(output).toMatch(/partner {2}received weddings\.insert \(normal\) .* signature ok/);
    expect(output).toMatch(/partner {2}received weddings\.update \(high\) .* signature ok/);
    expect(output).toMatch(/partner {2}received weddings\.delete \(normal\) .* signature ok/);
    expect(output).toContain('delivery attempt failed; will retry');
  });
});
