import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectionCommands } from '../../src/cli/connection-commands';
import type { Io } from '../../src/cli/ledger-commands';
import { CredentialsUnreadableError } from '../../src/connections/credential-cipher';
import { ConnectionStore } from '../../src/connections/connection-store';
import { seedDemo } from '../../src/db/seed';
import { cipherFor, keyEntry } from '../support/connection-keys';
import { DEMO_ORG_A } from '../support/demo-ids';
import { createTestSchema, type TestSchema } from '../support/test-db';

const K1 = keyEntry('k1');
const K2 = keyEntry('k2');
const VSCO_KEY = 'vsco_live_7c1e9b2a4d6f8031';
const TRIPLESEAT_SECRET = 'ts_secret_2b8d4f6a0c1e3579';
const HOOK_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

let db: TestSchema;
beforeAll(async () => {
  db = await createTestSchema('conn');
  await seedDemo(db.pool);
});
afterAll(() => db.drop());

function io(env: Record<string, string>): Io & { output: string; errors: string } {
  const sink = { output: '', errors: '' };
  return Object.assign(sink, {
    env: { DATABASE_URL: db.databaseUrl, ...env },
    out: (text: string) => void (sink.output += text),
    err: (text: string) => void (sink.errors += text),
  });
}

const cli = connectionCommands(async (connection) => ({ ok: true, detail: connection.partner }));

/** The tables as stored, one JSON document a row: what a `pg_dump` of them would hold. */
async function dump(): Promise<string> {
  const { rows } = await db.pool.query<{ row: string }>(
    `select row_to_json(c)::text as row from partner_connections c
     union all select row_to_json(l)::text from partner_links l`,
  );
  return rows.map((r) => r.row).join('\n');
}

describe('partner connections at rest', () => {
  it('adds connections through the CLI, whose listing never shows a credential', async () => {
    const env = {
      CONNECTION_KEYS: K1,
      VSCO_CREDS: JSON.stringify({ apiKey: VSCO_KEY }),
      TS_CREDS: JSON.stringify({ clientId: 'client-0001', clientSecret: TRIPLESEAT_SECRET }),
      HOOK_CREDS: JSON.stringify({ hookUrl: 'https://hooks.zapier.com/hooks/catch/123/abc/', signingSecret: HOOK_SECRET }),
    };
    const org = DEMO_ORG_A.id;
    for (const [partner, name, variable] of [
      ['vsco-workspace', 'studio crm', 'VSCO_CREDS'],
      ['tripleseat', 'venue', 'TS_CREDS'],
      ['honeybook-zapier', 'honeybook', 'HOOK_CREDS'],
    ] as const) {
      const run = io(env);
      expect(await cli(['add', '--org', org, '--partner', partner, '--name', name, '--credentials-env', variable, '--options', '{"changes":["date","venue"]}'], run)).toBe(0);
      expect(run.output).toMatch(/^added [0-9a-f-]{36} \(.+, key k1\)/);
    }
    const listing = io(env);
    expect(await cli(['list', '--org', org, '--json'], listing)).toBe(0);
    const rows = JSON.parse(listing.output) as { partner: string; keyId: string; options: { changes: string[] } }[];
    expect(rows.map((r) => r.partner).sort()).toEqual(['honeybook-zapier', 'tripleseat', 'vsco-workspace']);
    expect(rows.every((r) => r.keyId === 'k1' && r.options.changes.join() === 'date,venue')).toBe(true);
    for (const secret of [VSCO_KEY, TRIPLESEAT_SECRET, HOOK_SECRET, 'hooks.zapier.com']) expect(listing.output).not.toContain(secret);
  });

  it('refuses credentials of the wrong shape, naming the field and not the value', async () => {
    const run = io({ CONNECTION_KEYS: K1, BAD: JSON.stringify({ apiKey: 'short', extra: 'x-secret-value' }) });
    await expect(cli(['add', '--org', DEMO_ORG_A.id, '--partner', 'vsco-workspace', '--name', 'bad', '--credentials-env', 'BAD'], run)).rejects.toThrow(
      /apiKey: must be a Workspace API key[\s\S]*unknown field/,
    );
    expect((await db.pool.query("select count(*)::int as n from partner_connections where name = 'bad'")).rows[0].n).toBe(0);
  });

  it('keeps no credential in clear text in the tables as stored (a dump grepped for each secret)', async () => {
    const text = await dump();
    expect(text).toContain('vsco-workspace');
    for (const secret of [VSCO_KEY, TRIPLESEAT_SECRET, HOOK_SECRET, HOOK_SECRET.slice('whsec_'.length), 'hooks.zapier.com']) {
      expect(text).not.toContain(secret);
      // bytea is dumped as hex: a secret stored unsealed in it would show up like this.
      expect(text).not.toContain(Buffer.from(secret).toString('hex'));
    }
  });

  it('after rotate-key every connection opens with the new key alone, and no longer with the old one', async () => {
    const run = io({ CONNECTION_KEYS: `${K2} ${K1}` });
    expect(await cli(['rotate-key'], run)).toBe(0);
    expect(run.output).toBe('re-sealed 3 of 3 connection(s) under the current key\n');

    const onlyNew = new ConnectionStore(db.pool, cipherFor(K2));
    const all = await onlyNew.list(DEMO_ORG_A.id);
    expect(all.map((c) => c.keyId)).toEqual(['k2', 'k2', 'k2']);
    const opened = await Promise.all(all.map((c) => onlyNew.open(c.id)));
    expect(opened.map((c) => c?.credentials.apiKey ?? c?.credentials.clientSecret ?? c?.credentials.signingSecret).sort()).toEqual(
      [HOOK_SECRET, TRIPLESEAT_SECRET, VSCO_KEY].sort(),
    );
    const onlyOld = new ConnectionStore(db.pool, cipherFor(K1));
    await expect(onlyOld.open(all[0]!.id)).rejects.toBeInstanceOf(CredentialsUnreadableError);

    const again = io({ CONNECTION_KEYS: K2 });
    expect(await cli(['rotate-key'], again)).toBe(0);
    expect(again.output).toBe('re-sealed 0 of 3 connection(s) under the current key\n');
  });

  it('disable turns a connection off with the reason; list shows it; test marks a working one healthy', async () => {
    const store = new ConnectionStore(db.pool, cipherFor(K2));
    const [first, second] = await store.list(DEMO_ORG_A.id);
    const run = io({ CONNECTION_KEYS: K2 });
    expect(await cli(['disable', '--id', first!.id, '--reason', 'studio closed'], run)).toBe(0);
    expect(await cli(['test', '--id', second!.id], run)).toBe(0);
    const listing = io({ CONNECTION_KEYS: K2 });
    await cli(['list'], listing);
    expect(listing.output).toContain(`${first!.id}`);
    expect(listing.output).toMatch(new RegExp(`${first!.id}.*disabled  disabled \\(studio closed\\)`));
    expect(listing.output).toMatch(new RegExp(`${second!.id}.*enabled  ok`));
    expect((await store.enabledFor(DEMO_ORG_A.id)).map((c) => c.id)).not.toContain(first!.id);
  });
});
