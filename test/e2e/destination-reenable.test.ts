import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DateTime } from 'luxon';
import { insertOrganization, insertWebhookEndpoint, insertWedding } from '../support/fixtures';
import { startStack, type Stack } from '../support/start-stack';
import { TEST_SECRET } from '../support/test-config';
import { waitFor } from '../support/wait-for';
import { WebhookReceiver } from '../support/webhook-receiver';

let s: Stack;
let partner: WebhookReceiver;
beforeAll(async () => {
  s = await startStack({
    worker: {
      rules: [
        { name: 'forms-to-chat', match: { table: 'form_responses', events: ['INSERT'] }, kind: 'form.response_received', audiences: [{ type: 'staff' }], channels: ['slack'] },
        { name: 'forms-to-partners', match: { table: 'form_responses', events: ['INSERT'] }, kind: 'form.response_received', audiences: [{ type: 'webhook_endpoints' }] },
      ],
      queue: { pollIntervalMs: 50 },
    },
  });
  partner = await new WebhookReceiver({ status: 503 }).start();
});
afterAll(async () => {
  await partner.close();
  await s.close();
});

const cli = async (...args: string[]) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args, '--queue-schema', `${s.db.schema}_gw`], {
    cwd: resolve(__dirname, '../..'),
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: s.db.databaseUrl },
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise((done) => child.on('exit', done));
  return { code, out };
};
const health = async (destination: string) =>
  (await s.db.pool.query<{ disabled: boolean; failures: number }>(`select disabled_at is not null as disabled, consecutive_failures as failures from destination_health where destination = $1`, [destination])).rows[0];
const form = (id: string, organizationId: string, weddingId: string) =>
  s.realtime.emitChange({ table: 'form_responses', type: 'INSERT', record: { id, organization_id: organizationId, wedding_id: weddingId, vendor_id: null } });
const wedding = (organizationId: string) => insertWedding(s.db.pool, { organizationId, weddingDate: DateTime.now().plus({ days: 60 }).toISODate()! });

describe('a disabled destination', () => {
  it("is enabled again when its organization pastes a new Slack hook, and the new hook hears the next message", async () => {
    const oldHook = s.slack.hookUrl();
    const org = await insertOrganization(s.db.pool, { slackWebhookUrl: oldHook });
    const day = await wedding(org);
    s.slack.archive(oldHook);
    form('fr-archived', org, day);
    await waitFor(async () => (await health(`slack:${org}`))?.disabled, { timeoutMs: 20_000, what: 'the archived hook to disable slack for the organization' });

    const newHook = s.slack.hookUrl();
    await s.db.pool.query('update organizations set slack_webhook_url = $2 where id = $1', [org, newHook]);
    form('fr-new-hook', org, day);
    await waitFor(() => s.slack.accepted.some((post) => post.hook === new URL(newHook).pathname), { timeoutMs: 20_000, what: 'a post to the new hook' });
    expect(await health(`slack:${org}`)).toEqual({ disabled: false, failures: 0 });

    // The dead letter of the archived hook, replayed, reads the organization's hook afresh.
    const replayed = await s.app.queue!.ledger.replay({ destination: `slack:${org}` });
    expect(replayed).toHaveLength(1);
    await waitFor(() => s.slack.accepted.filter((post) => post.hook === new URL(newHook).pathname).length === 2, { timeoutMs: 20_000, what: 'the replayed dead letter at the new hook' });
  });

  it('is listed by the CLI and enabled again from it, endpoint row included', async () => {
    const org = await insertOrganization(s.db.pool);
    const day = await wedding(org);
    const endpoint = await insertWebhookEndpoint(s.db.pool, { organizationId: org, name: 'crm', url: `${partner.url}/crm`, secret: TEST_SECRET });
    const key = `webhook:${endpoint}`;
    // Failing "for longer than the disable period" already: the next failure disables it.
    await s.db.pool.query(`insert into destination_health (destination, consecutive_failures, first_failure_at) values ($1, 0, now() - interval '6 days')`, [key]);
    form('fr-gone', org, day);
    await waitFor(async () => (await health(key))?.disabled, { timeoutMs: 20_000, what: 'days of failure to disable the endpoint' });

    const listed = await cli('destinations', 'list');
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(new RegExp(`^disabled\\s+${key}\\s+failures=\\d+\\s+failing for longer than`, 'm'));

    const enabled = await cli('destinations', 'enable', key);
    expect(enabled).toEqual({ code: 0, out: `enabled ${key}\n` });
    expect(await health(key)).toEqual({ disabled: false, failures: 0 });
    const { rows } = await s.db.pool.query<{ enabled: boolean; disabled_reason: string | null }>('select enabled, disabled_reason from webhook_endpoints where id = $1', [endpoint]);
    expect(rows).toEqual([{ enabled: true, disabled_reason: null }]);

    partner.setDefault({ status: 200 });
    form('fr-after-enable', org, day);
    await waitFor(() => partner.requests.some((r) => r.body.includes('fr-after-enable')), { timeoutMs: 20_000, what: 'the next form at the partner' });
  });
});
