import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';

const pkg = JSON.parse(readFileSync(resolve(__dirname, '../../package.json'), 'utf8')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};
const major = (version: string) => Number(/(\d+)/.exec(version)?.[1]);

describe('runtime', () => {
  it(`runs on node ${process.version}: the major that package.json installs and its engines ask for`, () => {
    expect(major(process.version)).toBe(major(pkg.devDependencies.node ?? ''));
    expect(major(process.version)).toBeGreaterThanOrEqual(major(pkg.engines.node));
  });
});
