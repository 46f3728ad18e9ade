import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sweepErasures } from '../../src/partners/marketing-erasure';
import { subscriberHash } from '../../src/partners/mailchimp/mapping';
import { DEMO_ORG_A } from '../support/demo-ids';
import { startPartnerStand, type PartnerStand, type StandConnection } from '../support/partner-stand';
import { deferred, waitFor } from '../support/wait-for';

const [AVERY, JORDAN] = DEMO_ORG_A.clients.today;
let stand: PartnerStand;
let mailchimp: StandConnection;
let cc: StandConnection;
let emails: Record<string, string>;

const sweep = () => sweepErasures({ pool: stand.db.pool, store: stand.store, adapters: stand.adapters }, new AbortController().signal);

beforeAll(async () => {
  stand = await startPartnerStand('erasure');
  mailchimp = await stand.connect('mailchimp');
  cc = await stand.connect('constant-contact');
  const { rows } = await stand.db.pool.query<{ id: string; email: string }>('select id, email from clients where id = any($1)', [[AVERY, JORDAN]]);
  emails = Object.fromEntries(rows.map((r) => [r.id, r.email]));
  for (const c of [mailchimp, cc]) await stand.channel.send(c.message('couple'), { signal: new AbortController().signal, attempt: 1, deliveryId: `dlv_erasure_${c.summary.partner}` });
});
afterAll(() => stand.close());

describe('a person deleted in our database is erased from the marketing platforms (issue 14, acceptance 4)', () => {
  it('archives them in Mailchimp and deletes them in Constant Contact, and forgets their references', async () => {
    const audience = mailchimp.summary.options.audienceId!;
    expect(stand.fakes.mailchimp.member(audience, emails[AVERY]!)?.status).toBe('subscribed');
    expect(stand.fakes.constantContact.contacts.get(emails[AVERY]!)?.deleted).toBe(false);

    await stand.db.pool.query('delete from clients where id = $1', [AVERY]);
    // The delete itself wrote the request: nothing depends on the worker having seen it.
    expect((await stand.db.pool.query('select client_id from marketing_erasures where done_at is null')).rows).toEqual([{ client_id: AVERY }]);

    await expect(sweep()).resolves.toEqual({ erased: 1, pending: 0 });
    expect(stand.fakes.mailchimp.member(audience, emails[AVERY]!)?.status).toBe('archived');
    expect(stand.fakes.mailchimp.requests.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([expect.stringContaining(subscriberHash(emails[AVERY]!))]);
    expect(stand.fakes.constantContact.contacts.get(emails[AVERY]!)?.deleted).toBe(true);
    // Jordan is untouched in both.
    expect(stand.fakes.mailchimp.member(audience, emails[JORDAN]!)?.status).toBe('subscribed');
    expect(stand.fakes.constantContact.contacts.get(emails[JORDAN]!)?.deleted).toBe(false);
    // No reference to Avery is left; the audit keeps that the erasure happened, not who they were.
    expect((await stand.db.pool.query('select 1 from marketing_contacts where client_id = $1', [AVERY])).rowCount).toBe(0);
    const audit = (await stand.db.pool.query<{ action: string }>(`select action from marketing_syncs where client_id = $1 and action = 'archived'`, [AVERY])).rows;
    expect(audit).toHaveLength(2);
    const dump = JSON.stringify((await stand.db.pool.query('select * from marketing_syncs')).rows);
    expect(dump).not.toContain(emails[AVERY]!);
  });

  it('a platform that fails keeps the erasure pending with its reason, and a later sweep finishes it once', async () => {
    stand.fakes.mailchimp.replyNext({ status: 503, body: { type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'down', instance: 'x' } });
    await stand.db.pool.query('delete from clients where id = $1', [JORDAN]);
    await expect(sweep()).resolves.toEqual({ erased: 0, pending: 1 });
    const { rows } = await stand.db.pool.query<{ last_error: string; attempts: number }>('select last_error, attempts from marketing_erasures where client_id = $1', [JORDAN]);
    expect(rows[0]).toMatchObject({ attempts: 1, last_error: expect.stringContaining('mailchimp answered HTTP 503') });
    await expect(sweep()).resolves.toEqual({ erased: 1, pending: 0 });
    expect(stand.fakes.mailchimp.member(mailchimp.summary.options.audienceId!, emails[JORDAN]!)?.status).toBe('archived');
    expect(stand.fakes.constantContact.contacts.get(emails[JORDAN]!)?.deleted).toBe(true);
    await expect(sweep()).resolves.toEqual({ erased: 0, pending: 0 });
  });
});

describe('a person deleted while a send is at the platform', () => {
  it('is still erased: the send writes the request the delete could not', async () => {
    const { rows } = await stand.db.pool.query<{ id: string }>(
      `insert into clients (organization_id, wedding_id, name, email) values ($1, $2, 'Riley Late', 'riley.late@example.com') returning id`,
      [DEMO_ORG_A.id, DEMO_ORG_A.weddings.today],
    );
    const riley = rows[0]!.id;
    await stand.db.pool.query(`insert into marketing_consents (organization_id, client_id, granted_at, source) values ($1, $2, now(), 'booking form')`, [DEMO_ORG_A.id, riley]);
    // The delete commits once the send has read the couple, while Mailchimp holds its first answer.
    const held = deferred();
    stand.fakes.mailchimp.replyNext({ after: held.promise });
    const before = stand.fakes.mailchimp.requests.length;
    const sending = stand.channel.send(mailchimp.message('couple'), { signal: new AbortController().signal, attempt: 1, deliveryId: 'dlv_erasure_race' });
    await waitFor(() => stand.fakes.mailchimp.requests.length > before, { what: 'the first upsert at the fake' });
    await stand.db.pool.query('delete from clients where id = $1', [riley]);
    held.resolve();
    await sending;
    expect((await stand.db.pool.query('select client_id from marketing_erasures where done_at is null')).rows).toEqual([{ client_id: riley }]);
    await expect(sweep()).resolves.toEqual({ erased: 1, pending: 0 });
    expect(stand.fakes.mailchimp.member(mailchimp.summary.options.audienceId!, 'riley.late@example.com')?.status).toBe('archived');
  });
});
