import { randomBytes } from 'node:crypto';
import { Agent } from 'undici';
import type { PartnerMessage } from '../../src/channels/messages';
import type { ConnectionSummary, PartnerName } from '../../src/connections/connection';
import { ConnectionStore } from '../../src/connections/connection-store';
import { PartnerLinks } from '../../src/connections/partner-links';
import { TokenRefresher } from '../../src/connections/token-refresh';
import { seedDemo } from '../../src/db/seed';
import { createPartnerAdapters } from '../../src/partners/partner-adapters';
import { createPartnerChannel } from '../../src/partners/partner-channel';
import { cipherFor, keyEntry } from './connection-keys';
import { DEMO_ORG_A } from './demo-ids';
import { ConstantContactFake } from './fakes/constant-contact-fake';
import { LightBlueFake } from './fakes/light-blue-fake';
import { MailchimpFake } from './fakes/mailchimp-fake';
import { SignedHookFake } from './fakes/signed-hook-fake';
import { TripleseatFake } from './fakes/tripleseat-fake';
import { VscoFake } from './fakes/vsco-fake';
import { createTestSchema, type TestSchema } from './test-db';

export const STAND_WEDDING = DEMO_ORG_A.weddings.today;
export const STAND_ORG = DEMO_ORG_A.id;

export interface StandConnection {
  readonly summary: ConnectionSummary;
  /** Every credential of this connection, for "never in an error" checks. */
  readonly secrets: readonly string[];
  message(change?: string): PartnerMessage;
  /** The partner stops accepting this connection's credentials (a revoked key, an uninstalled app, a deleted Zap). */
  revoke(): void;
}

/**
 * Everything a partner test needs: a schema with the demo seed (today's wedding with a guest
 * count, requirements and a typed timeline), a connection store, one loopback fake per partner
 * API, and the partner channel aimed at them.
 */
export async function startPartnerStand(prefix = 'partner', clock: { now?: () => number } = {}) {
  const now = clock.now ?? Date.now;
  const db: TestSchema = await createTestSchema(prefix);
  await seedDemo(db.pool);
  await db.pool.query(
    `update weddings set guest_count = 120, dietary_requirements = 'Two vegan, one coeliac', accessibility_requirements = 'Step-free access for a wheelchair user' where id = $1`,
    [STAND_WEDDING],
  );
  await db.pool.query(`update timeline_events set kind = 'ceremony' where wedding_id = $1 and title = 'Ceremony'`, [STAND_WEDDING]);
  // Today's couple agreed to hear from the organization (marketing platforms send only then).
  await db.pool.query(
    `insert into marketing_consents (organization_id, client_id, granted_at, source, wording)
     select organization_id, id, now() - interval '30 days', 'booking form', 'Send me planning tips and offers' from clients where wedding_id = $1`,
    [STAND_WEDDING],
  );
  const keys = keyEntry('k1');
  const cipher = cipherFor(keys);
  const store = new ConnectionStore(db.pool, cipher);
  const fakes = {
    vsco: await new VscoFake().start(),
    lightBlue: await new LightBlueFake().start(),
    zapier: await new SignedHookFake('flat').start(),
    venue: await new SignedHookFake('venue').start(),
    tripleseat: await new TripleseatFake().start(),
    mailchimp: await new MailchimpFake().start(),
    constantContact: await new ConstantContactFake(now).start(),
  };
  const agent = new Agent();
  const endpoints = {
    VSCO_WORKSPACE_BASE_URL: fakes.vsco.apiUrl,
    LIGHT_BLUE_BASE_URL: fakes.lightBlue.apiUrl,
    TRIPLESEAT_BASE_URL: fakes.tripleseat.url,
    MAILCHIMP_BASE_URL: fakes.mailchimp.apiUrl,
    CONSTANT_CONTACT_BASE_URL: fakes.constantContact.apiUrl,
    CONSTANT_CONTACT_AUTH_URL: fakes.constantContact.authUrl,
  };
  /** One replica's adapters: its own token single-flight and quota memory, the shared database. */
  const replicaAdapters = (to = endpoints) => createPartnerAdapters({ http: agent, userAgent: 'partner-test', tokens: new TokenRefresher(db.pool, cipher, now), endpoints: to, appBaseUrl: 'https://app.wedsync.test', now });
  const adapters = replicaAdapters();
  const stopped: { connectionId: string; reason: string }[] = [];
  const channel = createPartnerChannel({ pool: db.pool, store, adapters, onStopped: (c, reason) => stopped.push({ connectionId: c.id, reason }) });
  let sequence = 0;

  async function connect(partner: PartnerName, options: Record<string, unknown> = {}): Promise<StandConnection> {
    const token = randomBytes(12).toString('hex');
    const hookSecret = `whsec_${randomBytes(32).toString('base64')}`;
    let credentials: Record<string, string> = {};
    let revoke: () => void = () => undefined;
    switch (partner) {
      case 'vsco-workspace':
        credentials = { apiKey: fakes.vsco.addKey(`vsco_${token}`) };
        revoke = () => fakes.vsco.revokeKey(credentials.apiKey!);
        break;
      case 'light-blue':
        credentials = { apiKey: fakes.lightBlue.addKey(`lb_${token}`) };
        revoke = () => fakes.lightBlue.replyNext({ status: 401, body: 'Unauthorized' });
        break;
      case 'honeybook-zapier':
        credentials = { hookUrl: fakes.zapier.hookUrl(hookSecret), signingSecret: hookSecret };
        revoke = () => fakes.zapier.turnOff(credentials.hookUrl!);
        break;
      case 'venue-webhook':
        credentials = { url: fakes.venue.hookUrl(hookSecret), signingSecret: hookSecret };
        revoke = () => fakes.venue.turnOff(credentials.url!);
        break;
      case 'tripleseat':
        credentials = { clientId: `client_${token}`, clientSecret: `secret_${token}${token}` };
        fakes.tripleseat.addClient(credentials.clientId!, credentials.clientSecret!);
        revoke = () => fakes.tripleseat.revokeClient(credentials.clientId!);
        break;
      case 'mailchimp': {
        credentials = { apiKey: fakes.mailchimp.addKey(`${randomBytes(16).toString('hex')}-us${6 + (sequence % 14)}`) };
        const audienceId = fakes.mailchimp.addList(randomBytes(5).toString('hex'));
        options = { audienceId, ...options };
        revoke = () => fakes.mailchimp.revokeKey(credentials.apiKey!);
        break;
      }
      case 'constant-contact': {
        const clientId = `cc_${token}`;
        const redirectUri = 'https://worker.wedsync.test/oauth/constant-contact/callback';
        fakes.constantContact.addClient(clientId, `ccsecret_${token}`, redirectUri);
        // Authorized earlier; the access token has expired, so the first send refreshes it.
        credentials = { clientId, clientSecret: `ccsecret_${token}`, redirectUri, refreshToken: fakes.constantContact.issueRefreshToken(clientId), accessToken: `expired${token}`, accessExpiresAt: String(now() - 1_000) };
        options = { contactListIds: [fakes.constantContact.addList()], ...options };
        revoke = () => fakes.constantContact.revokeClient(clientId);
        break;
      }
    }
    const summary = await store.add({ organizationId: STAND_ORG, partner, name: `${partner} ${(sequence += 1)}`, options, credentials });
    if (partner === 'tripleseat') {
      const eventId = String(500_000 + sequence);
      fakes.tripleseat.addEvent(eventId);
      await new PartnerLinks(db.pool).set(summary.id, STAND_WEDDING, eventId);
    }
    const secrets = Object.entries(credentials).flatMap(([k, v]) => (k === 'redirectUri' || k === 'accessExpiresAt' ? [] : v.startsWith('whsec_') ? [v, v.slice(6)] : v.startsWith('http') ? [new URL(v).pathname] : [v]));
    return {
      summary,
      secrets,
      message: (change = 'date') => ({ channel: 'partner', connectionId: summary.id, partner, organizationId: STAND_ORG, weddingId: STAND_WEDDING, change }),
      revoke,
    };
  }

  /** `count` more weddings of the stand's organization, one consenting person each (`<tag>+<wedding id>@example.com`). */
  async function addWeddings(count: number, tag: string): Promise<string[]> {
    await db.pool.query(
      `with w as (
         insert into weddings (organization_id, couple_name, wedding_date, time_zone)
         select $1, 'Couple ' || n, date '2027-09-01' + n, 'America/New_York' from generate_series(1, $2) n returning id, couple_name),
       c as (insert into clients (organization_id, wedding_id, name, email) select $1, w.id, w.couple_name || ' Person', $3 || '+' || w.id || '@example.com' from w returning id)
       insert into marketing_consents (organization_id, client_id, granted_at, source) select $1, c.id, now(), 'contract' from c`,
      [STAND_ORG, count, tag],
    );
    return (await db.pool.query<{ id: string }>(`select wedding_id as id from clients where email like $1 || '+%' order by email`, [tag])).rows.map((r) => r.id);
  }

  return {
    addWeddings,
    db,
    store,
    cipher,
    keys,
    fakes,
    channel,
    adapters,
    replicaAdapters,
    now,
    stopped,
    connect,
    /** A channel like the real one, but aimed at a port nothing listens on. */
    unreachable: (port: number) =>
      createPartnerChannel({
        pool: db.pool,
        store,
        adapters: replicaAdapters({
          VSCO_WORKSPACE_BASE_URL: `http://127.0.0.1:${port}/api/v2`,
          LIGHT_BLUE_BASE_URL: `http://127.0.0.1:${port}/api.php`,
          TRIPLESEAT_BASE_URL: `http://127.0.0.1:${port}`,
          MAILCHIMP_BASE_URL: `http://127.0.0.1:${port}/{dc}/3.0`,
          CONSTANT_CONTACT_BASE_URL: `http://127.0.0.1:${port}/v3`,
          CONSTANT_CONTACT_AUTH_URL: `http://127.0.0.1:${port}/oauth2/default/v1`,
        }),
      }),
    async close() {
      await agent.close();
      await Promise.all(Object.values(fakes).map((f) => f.close()));
      await db.drop();
    },
  };
}

export type PartnerStand = Awaited<ReturnType<typeof startPartnerStand>>;
