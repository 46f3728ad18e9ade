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
  it('refuses the retired process-wide Slack variables, saying where each setting went, never echoing the token', () => {
    const token = 'xoxb-1111-2222-oldprocesstoken';
    const error = problemsOf(() => load({ ...goodEnv, SLACK_BOT_TOKEN: token, SLACK_WEDDING_CHANNELS: 'true' }, goodFile));
    expect(error.problems).toEqual([
      expect.objectContaining({ source: 'env', path: 'SLACK_BOT_TOKEN', message: expect.stringContaining('connections add --partner slack') }),
      expect.objectContaining({ source: 'env', path: 'SLACK_WEDDING_CHANNELS', message: expect.stringContaining('weddingChannels') }),
    ]);
    expect(JSON.stringify(error.problems) + error.message).not.toContain(token);
    expect(load(goodEnv, goodFile).worker.slackApp).toEqual({ archiveAfterDays: 14, archiveEveryMs: 3_600_000, clientsMaxEntries: 1_000, clientsTtlMs: 300_000 });
  });

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

  it('refuses an intake lease renewed less often than twice in its lifetime', () => {
    const error = problemsOf(() => load(goodEnv, { ...goodFile, intake: { leaseTtlMs: 2_000, leaseRenewMs: 1_500 } }));
    expect(error.problems).toEqual([expect.objectContaining({ source: 'file', path: 'intake.leaseRenewMs' })]);
    expect(load(goodEnv, { ...goodFile, intake: { leaseTtlMs: 2_000, leaseRenewMs: 1_000 } }).worker.intake.leaseTtlMs).toBe(2_000);
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

  describe('values a library would refuse later, with a stack trace, are listed at start', () => {
    const PASSWORD = 'pw-never-echoed';

    it.each([
      ['port 99999', `postgres://worker:${PASSWORD}@db.example.com:99999/postgres`, 'a port over 65535'],
      ['port 0', `postgres://worker:${PASSWORD}@db.example.com:0/postgres`, 'outside 1-65535'],
      ['broken %-encoding in the password', `postgres://worker:${PASSWORD}%C0%AF@db.example.com:5432/postgres`, 'broken %-encoding'],
      ['broken %-encoding in the database name', `postgres://worker:${PASSWORD}@db.example.com:5432/post%C0gres`, 'broken %-encoding'],
    ])('DATABASE_URL with %s', (_what, url, message) => {
      const error = problemsOf(() => load({ ...goodEnv, DATABASE_URL: url }, goodFile));
      expect(error.problems).toEqual([{ source: 'env', path: 'DATABASE_URL', message: expect.stringContaining(message) }]);
      expect(error.message).not.toContain(PASSWORD);
    });

    it.each([
      ['port 99999', `redis://:${PASSWORD}@cache.example.com:99999`, 'a port over 65535'],
      ['broken %-encoding in the password', `rediss://:${PASSWORD}%E0%A4@cache.example.com:6380`, 'broken %-encoding'],
    ])('REDIS_URL with %s', (_what, url, message) => {
      const error = problemsOf(() => load({ ...goodEnv, REDIS_URL: url }, goodFile));
      expect(error.problems).toEqual([{ source: 'env', path: 'REDIS_URL', message: expect.stringContaining(message) }]);
      expect(error.message).not.toContain(PASSWORD);
    });

    it('accepts a well-formed DATABASE_URL and REDIS_URL, %-encoded password included', () => {
      const config = load({ ...goodEnv, DATABASE_URL: 'postgresql://postgres.ref:p%40ss%2Fword@db.example.com:5432/postgres', REDIS_URL: 'rediss://:p%40ss@cache.example.com:6380' }, goodFile);
      expect(config.env.DATABASE_URL).toContain('db.example.com');
    });

    it.each([
      ['a host name', 'partner.example.com'],
      ['a prefix too long', '10.0.0.0/33'],
      ['an IPv6 prefix too long', 'fd00::/129'],
      ['an empty string', ''],
      ['a range written with a dash', '10.0.0.1-10.0.0.9'],
    ])('partnerWebhooks.allowAddresses with %s', (_what, entry) => {
      const error = problemsOf(() => load(goodEnv, { ...goodFile, partnerWebhooks: { allowAddresses: ['127.0.0.1', entry] } }));
      expect(error.problems).toEqual([
        { source: 'file', path: 'partnerWebhooks.allowAddresses.1', message: 'must be an IP address or a CIDR such as 10.0.0.0/8' },
      ]);
    });

    it('accepts addresses and CIDRs of both families', () => {
      const allowAddresses = ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', '::ffff:192.168.1.10'];
      expect(load(goodEnv, { ...goodFile, partnerWebhooks: { allowAddresses } }).worker.partnerWebhooks.allowAddresses).toEqual(allowAddresses);
    });

    it.each([
      ['webhookEndpoints.0.url', (url: string) => ({ ...goodFile, webhookEndpoints: [{ ...goodFile.webhookEndpoints[0], url }] })],
      ['content.appBaseUrl', (url: string) => ({ ...goodFile, content: { appBaseUrl: url } })],
    ])('refuses credentials inside %s instead of dropping them', (path, file) => {
      const error = problemsOf(() => load(goodEnv, file(`https://crm-user:${PASSWORD}@crm.example.com/hook`)));
      expect(error.problems).toEqual([{ source: 'file', path, message: expect.stringContaining('user name or password') }]);
      expect(error.message).not.toContain(PASSWORD);
      expect(error.message).not.toContain('crm-user');
    });

    it('refuses credentials inside SUPABASE_URL', () => {
      const error = problemsOf(() => load({ ...goodEnv, SUPABASE_URL: `https://anon:${PASSWORD}@abc.supabase.co` }, goodFile));
      expect(error.problems).toEqual([{ source: 'env', path: 'SUPABASE_URL', message: expect.stringContaining('user name or password') }]);
    });

    it('lists a half-configured provider together with every other invalid value', () => {
      const error = problemsOf(() =>
        load(
          { ...goodEnv, RESEND_API_KEY: 're_live_key', TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, LOG_LEVEL: 'loud', DATABASE_URL: 'postgres://u:p@h:99999/db' },
          { ...goodFile, partnerWebhooks: { allowAddresses: ['nope'] } },
        ),
      );
      expect(error.problems.map((p) => `${p.source}:${p.path}`).sort()).toEqual([
        'env:DATABASE_URL',
        'env:EMAIL_FROM',
        'env:LOG_LEVEL',
        'env:TWILIO_AUTH_TOKEN',
        'env:TWILIO_FROM',
        'file:partnerWebhooks.allowAddresses.0',
      ]);
      expect(error.message).not.toContain('re_live_key');
    });

    it('asks for DATABASE_URL for tenant rules even when another env value is invalid', () => {
      const file = { ...goodFile, rules: [{ name: 'staff', match: { table: 'weddings' }, audiences: [{ type: 'staff' }] }] };
      const error = problemsOf(() => load({ ...goodEnv, LOG_LEVEL: 'loud' }, file));
      expect(error.problems.map((p) => `${p.source}:${p.path}`)).toEqual(expect.arrayContaining(['env:LOG_LEVEL', 'file:rules.0.audiences.0']));
    });
  });
});
