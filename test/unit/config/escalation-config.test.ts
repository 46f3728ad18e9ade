import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '../../../src/config/config-error';
import { loadConfig } from '../../../src/config/load-config';

const env = { SUPABASE_URL: 'https://abc.supabase.co', SUPABASE_SERVICE_ROLE_KEY: 'service-role-key-for-the-test', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' };
const load = (escalation: unknown, extraEnv: Record<string, string> = {}) =>
  loadConfig({ env: { ...env, ...extraEnv }, readFile: () => JSON.stringify({ subscriptions: [{ name: 'weddings', table: 'weddings' }], escalation }) });

function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('escalation policy in the rules file', () => {
  it('defaults to no policy: nothing escalates until one is written', () => {
    expect(load(undefined).worker.escalation).toEqual({ policies: [], linkTtlMs: 7 * 24 * 3_600_000 });
  });

  it('lists every problem of every policy at start, naming keys and never values of secrets', () => {
    const listed = problems(() =>
      load(
        {
          policies: [
            { name: 'critical', afterMs: 60_000, weddingDayAfterMs: 120_000, tiers: [{ roles: ['planner'] }] },
            { name: 'critical', tiers: [] },
            { name: 'Bad Name', kinds: ['wedding.nope'], tiers: [{ roles: ['janitor'], channel: 'pager' }] },
          ],
        },
        { PUBLIC_PORT: '8081', ACK_LINK_KEY: 'c2hvcnQ=' },
      ),
    );
    expect(listed).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^escalation\.policies\.0\.weddingDayAfterMs: must not be longer than afterMs/),
        expect.stringMatching(/^escalation\.policies\.1\.tiers/),
        expect.stringMatching(/^escalation\.policies\.1\.name: duplicate name "critical"/),
        expect.stringMatching(/^escalation\.policies\.2\.name/),
        expect.stringMatching(/^escalation\.policies\.2\.kinds\.0/),
        expect.stringMatching(/^escalation\.policies\.2\.tiers\.0\.roles\.0/),
        expect.stringMatching(/^escalation\.policies\.2\.tiers\.0\.channel/),
        expect.stringMatching(/^ACK_LINK_KEY: must be at least 32 bytes/),
        expect.stringMatching(/^PUBLIC_BASE_URL: is required with PUBLIC_PORT, ACK_LINK_KEY/),
      ]),
    );
    expect(listed.join('\n')).not.toContain('c2hvcnQ=');
  });
});
