import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';

// scripts/prepare-tests.mjs runs before jest in `npm test`. Its install path (apt-get) was run for
// real on a machine without Chromium; here, the two answers that need no package manager.
const script = resolve(__dirname, '../../scripts/prepare-tests.mjs');
const prepare = (chromiumPath: string) =>
  spawnSync(process.execPath, [script], { env: { PATH: process.env.PATH ?? '', CHROMIUM_PATH: chromiumPath }, encoding: 'utf8' });

describe('npm test preparation', () => {
  it('does nothing when the browser is there and runs', () => {
    const result = prepare('/bin/true');
    expect([result.status, result.stderr]).toEqual([0, '']);
  });

  it('stops with one line saying what to do when CHROMIUM_PATH is not a browser that runs', () => {
    const result = prepare(resolve(__dirname, 'no-such-chromium'));
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^prepare-tests: CHROMIUM_PATH=.*no-such-chromium is not a Chromium that runs/)]);
  });
});
