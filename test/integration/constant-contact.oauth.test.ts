import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { Agent, request } from 'undici';
import { connectionCommands } from '../../src/cli/connection-commands';
import type { Io } from '../../src/cli/ledger-commands';
import { createHealthServer, type HealthServer } from '../../src/outcome/health-server';
import { CONSTANT_CONTACT_CALLBACK_PATH, constantContactCallback } from '../../src/partners/constant-contact/oauth-callback';
import { startPartnerStand, STAND_ORG, type PartnerStand } from '../support/partner-stand';

let stand: PartnerStand;
let server: HealthServer;
let worker = '';
const agent = new Agent();
const outcomes: { ok: boolean; reason: string }[] = [];
const CLIENT = { clientId: 'cc_app_client_0001', clientSecret: 'cc_app_secret_s3cr3t_value', redirectUri: 'https://worker.wedsync.test/oauth/constant-contact/callback' };

beforeAll(async () => {
  stand = await startPartnerStand('cc_oauth');
  stand.fakes.constantContact.addClient(CLIENT.clientId, CLIENT.clientSecret, CLIENT.redirectUri);
  server = createHealthServer({
    host: '127.0.0.1',
    port: 0,
    alive: () => true,
    readiness: () => ({ status: 'ready', components: {} }) as never,
    metrics: new Registry(),
    routes: [constantContactCallback({ pool: stand.db.pool, store: stand.store, http: agent, userAgent: 'oauth-test', authUrl: stand.fakes.constantContact.authUrl, onOutcome: (o) => outcomes.push(o) })],
  });
  worker = `http://127.0.0.1:${await server.listen()}`;
});
afterAll(async () => {
  await server.close();
  await agent.close();
  await stand.close();
});

function io(): Io & { output: string } {
  const sink = { output: '' };
  return Object.assign(sink, {
    env: { DATABASE_URL: stand.db.databaseUrl, CONNECTION_KEYS: stand.keys, CC_APP: JSON.stringify(CLIENT), CONSTANT_CONTACT_AUTH_URL: stand.fakes.constantContact.authUrl },
    out: (text: string) => void (sink.output += text),
    err: (text: string) => void (sink.output += text),
  });
}

const cli = connectionCommands(async () => ({ ok: true, detail: 'probe' }));
const callback = async (query: Record<string, string>) => {
  const answer = await request(`${worker}${CONSTANT_CONTACT_CALLBACK_PATH}?${new URLSearchParams(query)}`);
  return { status: answer.statusCode, text: await answer.body.text() };
};

describe('Constant Contact OAuth 2.0 authorization code, from the CLI to the worker callback', () => {
  it('the CLI prints the authorize link; the callback stores the tokens sealed and turns the connection on', async () => {
    const run = io();
    const options = JSON.stringify({ changes: ['milestone'], contactListIds: [stand.fakes.constantContact.addList()] });
    expect(await cli(['add', '--org', STAND_ORG, '--partner', 'constant-contact', '--name', 'newsletter', '--credentials-env', 'CC_APP', '--options', options], run)).toBe(0);
    const id = /^added ([0-9a-f-]{36})/.exec(run.output)![1]!;
    const link = new URL(/https?:\/\/\S+\/authorize\?\S+/.exec(run.output)![0]);
    expect(link.origin + link.pathname).toBe(`${stand.fakes.constantContact.authUrl}/authorize`);
    expect(Object.fromEntries(link.searchParams)).toEqual({ client_id: CLIENT.clientId, redirect_uri: CLIENT.redirectUri, response_type: 'code', scope: 'contact_data offline_access', state: expect.stringMatching(/^[\w-]{43}$/) });
    // Off until the owner lets us in.
    expect((await stand.store.list(STAND_ORG)).find((c) => c.id === id)).toMatchObject({ enabled: false, health: { state: 'disabled' } });

    const state = link.searchParams.get('state')!;
    const page = await callback({ code: stand.fakes.constantContact.issueCode(CLIENT.clientId), state });
    expect(page.status).toBe(200);
    expect(page.text).toContain('Constant Contact is connected (newsletter)');
    const connection = (await stand.store.open(id))!;
    expect(connection).toMatchObject({ enabled: true, health: { state: 'unknown' } });
    expect(connection.credentials).toMatchObject({ clientId: CLIENT.clientId, accessToken: expect.stringMatching(/^[0-9a-f]{32}$/), refreshToken: expect.stringMatching(/^[0-9a-f]{32}$/) });
    // Sealed at rest: neither token nor the client secret is in the row as stored.
    const { rows } = await stand.db.pool.query<{ row: string }>('select row_to_json(c)::text as row from partner_connections c where id = $1', [id]);
    for (const secret of [connection.credentials.accessToken!, connection.credentials.refreshToken!, CLIENT.clientSecret]) expect(rows[0]!.row).not.toContain(secret);

    // And it delivers with what the callback stored.
    const receipt = await stand.channel.send({ channel: 'partner', connectionId: id, partner: 'constant-contact', organizationId: STAND_ORG, weddingId: (await stand.db.pool.query<{ id: string }>('select wedding_id as id from marketing_consents m join clients c on c.id = m.client_id limit 1')).rows[0]!.id, change: 'milestone' }, { signal: new AbortController().signal, attempt: 1, deliveryId: 'dlv_oauth_1' });
    expect(receipt.providerMessageId).toBe('constant-contact: synced 2');
    expect(stand.fakes.constantContact.refreshRequests).toEqual([]);

    // A state works once.
    const again = await callback({ code: stand.fakes.constantContact.issueCode(CLIENT.clientId), state });
    expect(again.status).toBe(400);
    expect(outcomes.map((o) => o.ok)).toEqual([true, false]);
  });

  it('a denied authorization or an unknown state leaves the connection off and says so plainly', async () => {
    const run = io();
    expect(await cli(['add', '--org', STAND_ORG, '--partner', 'constant-contact', '--name', 'denied', '--credentials-env', 'CC_APP', '--options', '{"contactListIds":["6f1c1a6e-5b0e-4d7e-9a8e-0b3c7f2a9d11"]}'], run)).toBe(0);
    const id = /^added ([0-9a-f-]{36})/.exec(run.output)![1]!;
    const state = new URL(/https?:\/\/\S+\/authorize\?\S+/.exec(run.output)![0]).searchParams.get('state')!;
    expect((await callback({ error: 'access_denied', state })).status).toBe(400);
    expect((await callback({ code: 'anything', state: 'not-a-state-we-issued' })).status).toBe(400);
    expect((await stand.store.list(STAND_ORG)).find((c) => c.id === id)).toMatchObject({ enabled: false });

    // `connections authorize` issues a new link for the same connection.
    const again = io();
    expect(await cli(['authorize', '--id', id], again)).toBe(0);
    const fresh = new URL(/https?:\/\/\S+\/authorize\?\S+/.exec(again.output)![0]).searchParams.get('state')!;
    expect(fresh).not.toBe(state);
    expect((await callback({ code: stand.fakes.constantContact.issueCode(CLIENT.clientId), state: fresh })).status).toBe(200);
    expect((await stand.store.list(STAND_ORG)).find((c) => c.id === id)).toMatchObject({ enabled: true });
  });

  it('other paths still reach the built-in routes', async () => {
    const answer = await request(`${worker}/livez`);
    expect(answer.statusCode).toBe(200);
    await answer.body.dump();
  });
});
