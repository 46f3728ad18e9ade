import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { chatAppPartners, partnerNames, type ConnectionProbe, type ConnectionSummary, type PartnerName } from '../connections/connection';
import { CredentialCipher } from '../connections/credential-cipher';
import { parseCredentialKeys } from '../connections/credential-keys';
import { ConnectionStore } from '../connections/connection-store';
import { credentialProblems } from '../connections/partner-credentials';
import { PartnerLinks } from '../connections/partner-links';
import { createOauthState } from '../connections/oauth-states';
import { TokenRefresher } from '../connections/token-refresh';
import { authorizeUrl, CONSTANT_CONTACT_AUTH_URL } from '../partners/constant-contact/oauth';
import { UsageError, type Io } from './ledger-commands';

export const CONNECTIONS_HELP = `  connections add         --org ID --partner ${partnerNames.join('|')} --name NAME
                          --credentials-env VAR (a variable holding the credentials as JSON;
                          never on the command line) [--options JSON]; slack:
                          {"weddingChannels":true,"defaultChannel":"C0123ABCD"} (a channel id)
  connections authorize   --id ID: a new link for the organization's owner to connect an OAuth
                          partner (Constant Contact); \`add\` prints the first one
  connections test        --id ID: one harmless request with the stored credentials
  connections disable     --id ID [--reason TEXT]
  connections list        [--org ID] [--json]: never shows credentials
  connections link        --id ID --wedding ID --external ID: the partner's record of a wedding
  connections rotate-key  re-seal every connection under the first key of CONNECTION_KEYS
`;

async function withStore<T>(io: Io, work: (store: ConnectionStore, pool: Pool, cipher: CredentialCipher) => Promise<T>): Promise<T> {
  const databaseUrl = io.env.DATABASE_URL;
  if (!databaseUrl) throw new UsageError('DATABASE_URL is not set');
  const keys = parseCredentialKeys(io.env.CONNECTION_KEYS ?? '');
  if ('problems' in keys) throw new UsageError(`CONNECTION_KEYS: ${keys.problems.join('; ')}`);
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  const cipher = new CredentialCipher(keys.keyring);
  try {
    return await work(new ConnectionStore(pool, cipher), pool, cipher);
  } finally {
    await pool.end();
  }
}

function required(value: string | undefined, name: string): string {
  if (!value) throw new UsageError(`--${name} is required`);
  return value;
}

function jsonOf(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(`${what} is not valid JSON`);
  }
}

function line(c: ConnectionSummary): string {
  const health = `${c.health.state}${c.health.reason ? ` (${c.health.reason})` : ''}`;
  // A chat app receives notifications, not changes: where they go (a channel per wedding, its default channel).
  const receives = chatAppPartners.includes(c.partner)
    ? `weddingChannels=${c.options.weddingChannels} defaultChannel=${c.options.defaultChannel ?? 'none'}`
    : `changes=${c.options.changes.join(',')}`;
  return [c.id, c.organizationId, c.partner.padEnd(16), c.name, c.enabled ? 'enabled' : 'disabled', health, `key=${c.keyId}`, receives].join('  ');
}

export function connectionCommands(probe: ConnectionProbe<TokenRefresher>) {
  return async function connections(args: string[], io: Io): Promise<number> {
    const [action, ...rest] = args;
    const { values } = parseArgs({
      args: rest,
      options: {
        id: { type: 'string' },
        org: { type: 'string' },
        partner: { type: 'string' },
        name: { type: 'string' },
        'credentials-env': { type: 'string' },
        options: { type: 'string' },
        reason: { type: 'string' },
        wedding: { type: 'string' },
        external: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    switch (action) {
      case 'add': {
        const partner = required(values.partner, 'partner') as PartnerName;
        if (!partnerNames.includes(partner)) throw new UsageError(`--partner must be one of ${partnerNames.join(', ')}`);
        const variable = required(values['credentials-env'], 'credentials-env');
        const raw = io.env[variable];
        if (!raw) throw new UsageError(`${variable} is not set`);
        const credentials = jsonOf(raw, variable);
        const problems = credentialProblems(partner, credentials);
        if (problems.length > 0) throw new UsageError(`credentials in ${variable} are not usable for ${partner}:\n  ${problems.join('\n  ')}`);
        const options = values.options ? jsonOf(values.options, '--options') : {};
        const input = { organizationId: required(values.org, 'org'), partner, name: required(values.name, 'name'), options, credentials: credentials as Record<string, string> };
        const added = await withStore(io, async (store, pool) => {
          const summary = await store.add(input);
          // OAuth partners start off: no send before the organization's owner has let us in.
          return { summary, link: partner === 'constant-contact' ? await authorization(io, store, pool, summary.id) : null };
        });
        io.out(`added ${added.summary.id} (${added.summary.partner}, key ${added.summary.keyId})\n`);
        if (added.link) io.out(authorizeText(added.link));
        return 0;
      }
      case 'authorize': {
        const id = required(values.id, 'id');
        const link = await withStore(io, async (store, pool) => {
          const connection = (await store.list()).find((c) => c.id === id);
          if (!connection) throw new UsageError(`no connection ${id}`);
          if (connection.partner !== 'constant-contact') throw new UsageError(`${connection.partner} is not connected through OAuth authorization`);
          return authorization(io, store, pool, id);
        });
        io.out(authorizeText(link));
        return 0;
      }
      case 'list': {
        const rows = await withStore(io, (store) => store.list(values.org));
        io.out(values.json ? `${JSON.stringify(rows, null, 2)}\n` : rows.length ? `${rows.map(line).join('\n')}\n` : 'none\n');
        return 0;
      }
      case 'disable': {
        const id = required(values.id, 'id');
        const changed = await withStore(io, (store) => store.stop(id, 'disabled', values.reason ?? 'disabled by an operator'));
        io.out(changed ? `disabled ${id}\n` : `${id}: no such enabled connection\n`);
        return changed ? 0 : 1;
      }
      case 'test': {
        const id = required(values.id, 'id');
        const result = await withStore(io, async (store, pool, cipher) => {
          const connection = await store.open(id);
          if (!connection) return { ok: false, detail: `no connection ${id}` };
          const outcome = await probe(connection, io.env, new TokenRefresher(pool, cipher));
          if (outcome.ok) await store.markHealthy(id);
          return outcome;
        });
        (result.ok ? io.out : io.err)(`${result.ok ? 'ok' : 'failed'}: ${result.detail}\n`);
        return result.ok ? 0 : 1;
      }
      case 'link': {
        const [id, wedding, external] = [required(values.id, 'id'), required(values.wedding, 'wedding'), required(values.external, 'external')];
        await withStore(io, (_store, pool) => new PartnerLinks(pool).set(id, wedding, external));
        io.out(`linked wedding ${wedding} to ${external}\n`);
        return 0;
      }
      case 'rotate-key': {
        const { rotated, total } = await withStore(io, (store) => store.rotateKeys());
        io.out(`re-sealed ${rotated} of ${total} connection(s) under the current key\n`);
        return 0;
      }
      default:
        throw new UsageError(`connections needs one of: add, authorize, test, disable, list, link, rotate-key\n${CONNECTIONS_HELP}`);
    }
  };
}

/** Turns the connection off until the callback turns it on, and returns a fresh authorize link. */
async function authorization(io: Io, store: ConnectionStore, pool: Pool, id: string): Promise<string> {
  await store.stop(id, 'disabled', 'waiting for the organization to authorize Constant Contact (connections authorize)');
  const connection = await store.open(id);
  if (!connection) throw new UsageError(`no connection ${id}`);
  const state = await createOauthState(pool, id);
  return authorizeUrl(io.env.CONSTANT_CONTACT_AUTH_URL ?? CONSTANT_CONTACT_AUTH_URL, connection.credentials, state);
}

function authorizeText(link: string): string {
  return `The organization's Constant Contact owner opens this link (good for 30 minutes, once):\n  ${link}\nThe connection turns on when Constant Contact sends them back to the worker.\n`;
}
