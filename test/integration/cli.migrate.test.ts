import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Pool } from 'pg';
import { closedPort } from '../support/closed-port';
import { TEST_DATABASE_URL } from '../support/test-db';

const schema = `climig_${randomBytes(5).toString('hex')}`;
afterAll(async () => {
  const admin = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  await admin.query(`drop schema if exists "${schema}" cascade`);
  await admin.end();
});

async function runMigrate(databaseUrl: string): Promise<{ code: number | null; stdout: string; lines: Record<string, unknown>[] }> {
  const cli = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'migrate', '--schema', schema], {
    cwd: resolve(__dirname, '../..'),
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl },
  });
  let stdout = '';
  cli.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  const code = await new Promise<number | null>((done) => cli.on('exit', done));
  const lines = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code, stdout, lines };
}

describe('wedsync-worker migrate', () => {
  it('logs JSON lines like the worker: what it applied, then that it is up to date', async () => {
    const first = await runMigrate(TEST_DATABASE_URL);
    expect(first.code).toBe(0);
    expect(first.lines).toEqual([
      expect.objectContaining({ level: 'info', service: 'wedsync-realtime-worker', command: 'migrate', schema, msg: 'migrations applied', applied: expect.arrayContaining(['0001_notifications', '0010_delivery_ledger']) }),
    ]);
    const second = await runMigrate(TEST_DATABASE_URL);
    expect(second.code).toBe(0);
    expect(second.lines).toEqual([expect.objectContaining({ level: 'info', msg: 'migrations up to date', applied: [] })]);
  });

  it('logs a failure as a JSON error line without the password, and exits 1', async () => {
    const failed = await runMigrate(`postgres://postgres:hunter2-secret@127.0.0.1:${await closedPort()}/test`);
    expect(failed.code).toBe(1);
    expect(failed.lines).toEqual([expect.objectContaining({ level: 'error', msg: 'migrations failed', err: expect.objectContaining({ message: expect.stringContaining('ECONNREFUSED') }) })]);
    expect(failed.stdout).not.toContain('hunter2-secret');
  });
});
