import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { STOP_MARGIN_MS } from '../../src/lifecycle';

// No container engine runs here, so the Dockerfile and compose file are checked as text: the
// properties ops rely on, which a typo would silently break.

const root = resolve(__dirname, '../..');
const dockerfile = readFileSync(resolve(root, 'Dockerfile'), 'utf8');
const compose = parse(readFileSync(resolve(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Record<string, unknown> & { healthcheck?: { test: string[] }; environment?: Record<string, string>; profiles?: string[] }>;
};
const seconds = (value: string) => Number(/^(\d+)s$/.exec(value)?.[1] ?? Number.NaN);

describe('Dockerfile', () => {
  it('builds in one stage and runs production dependencies only, on a current LTS, as a non-root user', () => {
    const stages = [...dockerfile.matchAll(/^FROM (\S+)(?: AS (\w+))?/gm)];
    expect(stages.map((m) => m[1])).toEqual(['node:24-bookworm-slim', 'node:24-bookworm-slim']);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
    expect(runtime).toMatch(/npm ci --omit=dev/);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/COPY db \.\/db/);
  });

  it('runs the same Node major as the tests, the demo and the benchmarks (the `node` dev dependency)', () => {
    const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as {
      engines: { node: string };
      devDependencies: Record<string, string>;
    };
    const testedMajor = /^\^?(\d+)\./.exec(pkg.devDependencies.node ?? '')?.[1];
    const imageMajors = [...dockerfile.matchAll(/^FROM node:(\d+)-/gm)].map((m) => m[1]);
    expect(imageMajors).toEqual([testedMajor, testedMajor]);
    expect(pkg.engines.node).toBe(`>=${testedMajor}`);
  });

  it('starts the worker in exec form, so SIGTERM reaches it, and checks /livez', () => {
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/src\/main\.js"\]$/m);
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*\/livez/);
  });

  it('only copies what the image needs', () => {
    const ignored = readFileSync(resolve(root, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.env', 'test']));
  });
});

describe('docker-compose.yml', () => {
  const worker = compose.services.worker!;

  it('gives the worker its env file, a health check and a restart policy', () => {
    expect(worker.env_file).toBe('.env');
    expect(worker.healthcheck?.test.join(' ')).toContain('/livez');
    expect(worker.restart).toBe('unless-stopped');
  });

  it("limits the worker's memory, so that Node sizes its heap to the container and not to the host", () => {
    expect(worker.mem_limit).toBe('1g');
  });

  it('waits as long to kill the worker as its whole stop may take: the deadline plus the margin', () => {
    const drainMs = Number(worker.environment?.SHUTDOWN_TIMEOUT_MS);
    expect(seconds(String(worker.stop_grace_period)) * 1000).toBeGreaterThanOrEqual(drainMs + STOP_MARGIN_MS);
  });

  it('has Redis with a health check, and PostgreSQL only behind a profile', () => {
    expect(compose.services.redis?.healthcheck?.test.join(' ')).toContain('ping');
    expect(worker.environment?.REDIS_URL).toBe('redis://redis:6379');
    expect(compose.services.postgres?.profiles).toEqual(['local-db']);
    expect(compose.services.postgres?.healthcheck).toBeDefined();
  });
});
