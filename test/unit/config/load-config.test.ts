import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '../../../src/config/config-error';
import { loadConfig } from '../../../src/config/load-config';

const SECRET = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
const SERVICE_KEY = 'super-secret-service-role-key-value';

const goodFile = {
  subscriptions: [{ name: 'weddings', table: 'weddings' }],
  webhookEndpoints: [{ name: 'crm', url: 'https://crm.example.com/hook', secretEnv: 'CRM_SECRET' }],
  rules: [{ name: 'all', match: { table: 'weddings' }, audiences: [{ type: 'endpoint', name: 'crm' }] }],
};
const goodEnv = {
  SUPABASE_URL: 'https://abc.supabase.co',
  SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY,
  CRM_SECRET: SECRET,
};

function load(env: Record<string, string | undefined>, file: unknown) {
  return loadConfig({ env, readFile: () => (typeof file === 'string' ? file : JSON.stringify(file)) });
}

function problemsOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults and resolves endpoint secrets', () => {
    const config = load(goodEnv, goodFile);
    expect(config.env.HEALTH_PORT).toBe(8080);
    expect(config.env.LOG_LEVEL).toBe('info');
    expect(config.worker.subscriptions[0]).toMatchObject({ schema: 'public', events: ['INSERT', 'UPDATE', 'DELETE'], primaryKey: ['id'] });
    expect(config.worker.webhookEndpoints[0]).toMatchObject({ secrets: [SECRET], timeoutMs: 10_000, rateLimit: { max: 100, perMs: 60_000 } });
    expect(config.worker.retry.attempts).toBe(3);
    expect(config.worker.retry.schedule.normal).toHaveLength(7);
  });

  it('accepts two secrets during a rotation', () => {
    const other = `whsec_${Buffer.alloc(24, 2).toString('base64')}`;
    const config = load({ ...goodEnv, CRM_SECRET: `${SECRET} ${other}` }, goodFile);
    expect(config.worker.webhookEndpoints[0]?.secrets).toEqual([SECRET, other]);
  });

  it('lists every problem of env and file at once, naming keys and never values', () => {
    const error = problemsOf(() =>
      load(
        { SUPABASE_URL: 'not a url', SUPABASE_SERVICE_ROLE_KEY: 'short', HEALTH_PORT: '99999', LOG_LEVEL: 'loud', CRM_SECRET: 'whsec_tooshort' },
        {
          subscriptions: [{ name: 'Weddings!', table: 'weddings' }],
          webhookEndpoints: [{ name: 'crm', url: 'ftp://crm', secretEnv: 'CRM_SECRET' }],
          rules: [{ name: 'all', match: { table: 'weddings' }, audiences: [{ type: 'endpoint', name: 'nowhere' }] }],
          retry: { attempts: 0 },
        },
      ),
    );
    const paths = error.problems.map((p) => `${p.source}:${p.path}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        'env:SUPABASE_URL',
        'env:SUPABASE_SERVICE_ROLE_KEY',
        'env:HEALTH_PORT',
        'env:LOG_LEVEL',
        'file:subscriptions.0.name',
        'file:webhookEndpoints.0.url',
        'file:rules.0.audiences.0.name',
        'file:retry.attempts',
      ]),
    );
    expect(error.problems.length).toBeGreaterThanOrEqual(8);
    expect(error.message).not.toContain('short');
    expect(error.message).not.toContain('99999');
    expect(error.message).not.toContain('loud');
  });

  it('reports a missing or malformed webhook secret without echoing it', () => {
    const missing = problemsOf(() => load({ ...goodEnv, CRM_SECRET: undefined }, goodFile));
    expect(missing.problems).toEqual([expect.objectContaining({ source: 'env', path: 'CRM_SECRET', message: expect.stringContaining('not set') })]);
    const bad = problemsOf(() => load({ ...goodEnv, CRM_SECRET: 'whsec_bm90LWVub3VnaA==' }, goodFile));
    expect(bad.message).toContain('CRM_SECRET');
    expect(bad.message).not.toContain('bm90LWVub3VnaA');
  });

  it('reports a file that is not JSON without quoting its text', () => {
    const error = problemsOf(() => load(goodEnv, '{"subscriptions": [ sk_live_abcdef ]}'));
    expect(error.problems[0]?.message).toMatch(/not valid JSON/);
    expect(error.message).not.toContain('sk_live_abcdef');
  });

  it('reports an unreadable file by its path', () => {
    const error = problemsOf(() =>
      loadConfig({
        env: { ...goodEnv, CONFIG_FILE: '/nope/worker.json' },
        readFile: () => {
          throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
        },
      }),
    );
    expect(error.problems).toEqual([{ source: 'env', path: 'CONFIG_FILE', message: 'cannot read /nope/worker.json (ENOENT)' }]);
  });

  it('rejects unknown keys, so a typo does not silently fall back to a default', () => {
    const error = problemsOf(() => load(goodEnv, { ...goodFile, retries: { attempts: 3 } }));
    expect(error.problems[0]).toMatchObject({ source: 'file', path: '' });
    expect(error.problems[0]?.message).toContain('retries');
  });

  it('rejects duplicate names', () => {
    const error = problemsOf(() => load(goodEnv, { ...goodFile, subscriptions: [goodFile.subscriptions[0], goodFile.subscriptions[0]] }));
    expect(error.problems).toEqual([expect.objectContaining({ path: 'subscriptions.1.name', message: 'duplicate name "weddings"' })]);
  });
});
