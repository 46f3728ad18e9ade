import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConnectionStore } from '../../src/connections/connection-store';
import { cipherFor, keyEntry } from '../support/connection-keys';
import { VscoFake } from '../support/fakes/vsco-fake';
import { insertOrganization, insertWedding } from '../support/fixtures';
import { startStack, type Stack } from '../support/start-stack';
import { waitFor } from '../support/wait-for';

// Issue 13, acceptance 4: a partner refuses a connection's credential (401). The connection
// stops with its reason on /status, and the organization's chat hears about it exactly once.

const keys = keyEntry('k1');
let s: Stack;
let vsco: VscoFake;
beforeAll(async () => {
  vsco = await new VscoFake().start();
  s = await startStack({
    env: { CONNECTION_KEYS: keys, VSCO_WORKSPACE_BASE_URL: vsco.apiUrl },
    worker: { rules: [{ name: 'crm-date', match: { table: 'weddings', events: ['UPDATE'], changedColumns: ['wedding_date'] }, kind: 'wedding.date_changed', audiences: [{ type: 'partner_connections', change: 'date' }] }] },
  });
});
afterAll(async () => {
  await s?.close();
  await vsco?.close();
});

describe('a revoked partner connection', () => {
  it('stops with its reason on /status and tells the organization’s Slack once, however many sends it refused', async () => {
    const db = s.db.pool;
    const hook = s.slack.hookUrl();
    const org = await insertOrganization(db, { slackWebhookUrl: hook });
    const wedding = await insertWedding(db, { organizationId: org, weddingDate: '2027-06-12', timeZone: 'UTC' });
    const apiKey = vsco.addKey('vsco_revoked_test_key_0001');
    const store = new ConnectionStore(db, cipherFor(keys));
    const connection = await store.add({ organizationId: org, partner: 'vsco-workspace', name: 'Studio CRM', options: { changes: ['date'], createOnFirstSync: true }, credentials: { apiKey } });
    vsco.revokeKey(apiKey);

    // Two date changes in a row: both are planned before the first send is refused. Two commits,
    // a millisecond apart: the same row changed in the same millisecond is one change to the intake
    // (its id is the row and the commit time), and emitted back to back they could share one.
    const committedAt = Date.now();
    for (const [i, date] of ['2027-06-19', '2027-06-26'].entries()) {
      s.realtime.emitChange({
        table: 'weddings',
        type: 'UPDATE',
        record: { id: wedding, organization_id: org, wedding_date: date, couple_name: 'Ana & Ben' },
        oldRecord: { id: wedding, organization_id: org, wedding_date: i === 0 ? '2027-06-12' : '2027-06-19' },
        commitTimestamp: new Date(committedAt + i),
      });
    }
    await s.settled(2);
    const partnerRows = await db.query<{ status: string }>(`select status from deliveries where channel = 'partner'`);
    expect(partnerRows.rows.length).toBeGreaterThanOrEqual(1);
    expect(partnerRows.rows.every((r) => r.status === 'dead')).toBe(true);

    const told = () => s.slack.accepted.filter((p) => p.hook === new URL(hook).pathname && (p.text ?? '').includes('VSCO Workspace connection stopped'));
    await waitFor(() => told().length > 0, { what: 'the chat message' });
    await waitFor(async () => (await s.app.busy()) === 0, { what: 'the worker idle' });
    expect(told()).toHaveLength(1);
    expect(told()[0]!.text).toContain(connection.id);
    expect(told()[0]!.text).not.toContain(apiKey);

    const [stored] = await store.list(org);
    expect(stored).toMatchObject({ enabled: false, health: { state: 'revoked', reason: expect.stringContaining('401') } });
    const page = await (await fetch(`${s.healthUrl}/status`)).text();
    expect(page).toMatch(new RegExp(`data-connection-id="${connection.id}" data-connection-state="revoked"`));
    expect(page).toContain(`connections test --id ${connection.id}`);
    expect(page).toContain('401');
    expect(page).not.toContain(apiKey);
  });
});
