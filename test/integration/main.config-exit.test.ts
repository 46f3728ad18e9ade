import { afterEach, describe, expect, it } from '@jest/globals';
import { spawnWorker, type WorkerProcess } from '../support/spawn-worker';
import { TEST_SECRET, TEST_SERVICE_KEY } from '../support/test-config';

let worker: WorkerProcess | undefined;
afterEach(async () => {
  if (worker && worker.child.exitCode === null && worker.child.signalCode === null) {
    worker.child.kill('SIGKILL');
    await worker.exited;
  }
  worker = undefined;
});

const password = 'db-password-never-printed';

async function fatalLine(running: WorkerProcess): Promise<{ output: string; line: { level: string; problems: { path: string }[] } }> {
  expect((await running.exited).code).toBe(1);
  const output = running.output().trim();
  expect(output).not.toMatch(/\n\s+at |fatal: /);
  expect(output.split('\n')).toHaveLength(1);
  expect(output).not.toContain(password);
  return { output, line: JSON.parse(output) as { level: string; problems: { path: string }[] } };
}

describe('the worker process with values only a library would have refused', () => {
  it.each([
    ['a DATABASE_URL with broken %-encoding', { DATABASE_URL: `postgres://worker:${password}%C0%AF@127.0.0.1:5432/test` }, {}, 'DATABASE_URL'],
    ['a DATABASE_URL on port 99999', { DATABASE_URL: `postgres://worker:${password}@127.0.0.1:99999/test` }, {}, 'DATABASE_URL'],
    ['an allowAddresses entry that is no address', {}, { partnerWebhooks: { allowAddresses: ['localhost'] } }, 'partnerWebhooks.allowAddresses.0'],
  ])('stops on %s alone with one fatal JSON line, not a stack trace', async (_what, env, file, path) => {
    worker = spawnWorker({
      env: { SUPABASE_URL: 'http://127.0.0.1:9', SUPABASE_SERVICE_ROLE_KEY: TEST_SERVICE_KEY, ...env },
      configFile: { subscriptions: [{ name: 'weddings', table: 'weddings' }], ...file },
    });
    const { line } = await fatalLine(worker);
    expect(line).toMatchObject({ level: 'fatal', problems: [{ path }] });
    expect(line.problems).toHaveLength(1);
  });

  it('exits 1 with one fatal JSON line listing every problem: no stack trace, no secret', async () => {
    worker = spawnWorker({
      env: {
        // Nothing listens here: the process must stop before it tries.
        SUPABASE_URL: 'http://127.0.0.1:9',
        SUPABASE_SERVICE_ROLE_KEY: TEST_SERVICE_KEY,
        DATABASE_URL: `postgres://worker:${password}%C0%AF@127.0.0.1:5432/test`,
        REDIS_URL: `redis://:${password}@127.0.0.1:99999`,
        RESEND_API_KEY: 're_half_configured',
        PARTNER_CRM_SECRET: TEST_SECRET,
      },
      configFile: {
        subscriptions: [{ name: 'weddings', table: 'weddings' }],
        webhookEndpoints: [{ name: 'partner-crm', url: `https://crm:${password}@crm.example.com/hook`, secretEnv: 'PARTNER_CRM_SECRET' }],
        rules: [{ name: 'all', match: { table: 'weddings' }, audiences: [{ type: 'endpoint', name: 'partner-crm' }] }],
        partnerWebhooks: { allowAddresses: ['127.0.0.1', 'localhost'] },
      },
    });
    const { output, line } = await fatalLine(worker);
    expect(line.level).toBe('fatal');
    expect(line.problems.map((p) => p.path).sort()).toEqual([
      'DATABASE_URL',
      'EMAIL_FROM',
      'REDIS_URL',
      'partnerWebhooks.allowAddresses.1',
      'webhookEndpoints.0.url',
    ]);
    expect(output).not.toContain('re_half_configured');
  });
});
