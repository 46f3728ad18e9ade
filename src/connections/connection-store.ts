import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { chatAppPartners, connectionOptionsSchema, type Connection, type ConnectionSummary, type HealthState, type PartnerName } from './connection';
import type { CredentialCipher } from './credential-cipher';

interface ConnectionRow {
  id: string;
  organization_id: string;
  partner: PartnerName;
  name: string;
  options: unknown;
  key_id: string;
  credentials: Buffer;
  enabled: boolean;
  health_state: HealthState;
  health_reason: string | null;
  health_since: Date;
}

const SUMMARY_COLUMNS = 'id, organization_id, partner, name, options, key_id, enabled, health_state, health_reason, health_since';

export interface NewConnection {
  readonly organizationId: string;
  readonly partner: PartnerName;
  readonly name: string;
  readonly options: unknown;
  readonly credentials: Readonly<Record<string, string>>;
}

/**
 * partner_connections in PostgreSQL. Credentials are sealed before the insert and opened only by
 * `open`, for one send; listings never select them.
 */
export class ConnectionStore {
  constructor(
    private readonly db: Pool,
    private readonly cipher: CredentialCipher,
  ) {}

  async add(input: NewConnection): Promise<ConnectionSummary> {
    const id = randomUUID();
    const options = connectionOptionsSchema.parse(input.options ?? {});
    const { keyId, sealed } = this.cipher.seal(id, input.credentials);
    const { rows } = await this.db.query<ConnectionRow>(
      `insert into partner_connections (id, organization_id, partner, name, options, key_id, credentials)
       values ($1, $2, $3, $4, $5, $6, $7) returning ${SUMMARY_COLUMNS}`,
      [id, input.organizationId, input.partner, input.name, JSON.stringify(options), keyId, sealed],
    );
    return summary(rows[0]!);
  }

  async list(organizationId?: string): Promise<ConnectionSummary[]> {
    const { rows } = await this.db.query<ConnectionRow>(
      `select ${SUMMARY_COLUMNS} from partner_connections where $1::uuid is null or organization_id = $1 order by organization_id, name`,
      [organizationId ?? null],
    );
    return rows.map(summary);
  }

  /** The organization's partner connections that wedding changes may be sent to (not its chat apps). */
  async enabledFor(organizationId: string): Promise<ConnectionSummary[]> {
    const { rows } = await this.db.query<ConnectionRow>(
      `select ${SUMMARY_COLUMNS} from partner_connections where organization_id = $1 and enabled and partner <> all($2::text[]) order by name`,
      [organizationId, chatAppPartners],
    );
    return rows.map(summary);
  }

  /** The organization's enabled connection to `partner`, opened (the newest, should it have two), or null. */
  async openEnabled(organizationId: string, partner: PartnerName): Promise<Connection | null> {
    const { rows } = await this.db.query<ConnectionRow>(
      `select ${SUMMARY_COLUMNS}, credentials from partner_connections where organization_id = $1 and partner = $2 and enabled order by updated_at desc, id limit 1`,
      [organizationId, partner],
    );
    const row = rows[0];
    if (!row) return null;
    const credentials = this.cipher.open(row.id, { keyId: row.key_id, sealed: row.credentials }) as Record<string, string>;
    return { ...summary(row), credentials };
  }

  /** The connection with its credentials opened, or null if it no longer exists. */
  async open(id: string): Promise<Connection | null> {
    const { rows } = await this.db.query<ConnectionRow>(`select ${SUMMARY_COLUMNS}, credentials from partner_connections where id = $1`, [id]);
    const row = rows[0];
    if (!row) return null;
    const credentials = this.cipher.open(row.id, { keyId: row.key_id, sealed: row.credentials }) as Record<string, string>;
    return { ...summary(row), credentials };
  }

  /** Turns the connection off for a person to look at; true when this call did it (tell once). */
  async stop(id: string, state: 'revoked' | 'disabled', reason: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `update partner_connections set enabled = false, health_state = $2, health_reason = $3, health_since = now(), updated_at = now()
       where id = $1 and (enabled or health_state <> $2)`,
      [id, state, reason],
    );
    return (rowCount ?? 0) > 0;
  }

  /**
   * Adds what an authorization brought (OAuth tokens) to the sealed credentials and turns the
   * connection on; false when the connection is gone.
   */
  async authorize(id: string, granted: Readonly<Record<string, string>>): Promise<boolean> {
    return this.transaction(async (client) => {
      const { rows } = await client.query<ConnectionRow>('select id, key_id, credentials from partner_connections where id = $1 for update', [id]);
      const row = rows[0];
      if (!row) return false;
      const credentials = { ...this.cipher.open(row.id, { keyId: row.key_id, sealed: row.credentials }), ...granted };
      const { keyId, sealed } = this.cipher.seal(row.id, credentials);
      await client.query(
        `update partner_connections set key_id = $2, credentials = $3, enabled = true, health_state = 'unknown', health_reason = null, health_since = now(), updated_at = now() where id = $1`,
        [id, keyId, sealed],
      );
      return true;
    });
  }

  async markHealthy(id: string): Promise<void> {
    await this.db.query(
      `update partner_connections set health_state = 'ok', health_reason = null, health_since = now(), updated_at = now()
       where id = $1 and enabled and health_state <> 'ok'`,
      [id],
    );
  }

  /**
   * Re-seals every row not sealed under the current key, in one transaction, so afterwards the
   * older keys can leave CONNECTION_KEYS. A row no key opens stops the rotation untouched.
   */
  async rotateKeys(): Promise<{ rotated: number; total: number }> {
    return this.transaction(async (client) => {
      const { rows } = await client.query<ConnectionRow>('select id, key_id, credentials from partner_connections order by id for update');
      let rotated = 0;
      for (const row of rows) {
        if (row.key_id === this.cipher.currentKeyId) continue;
        const credentials = this.cipher.open(row.id, { keyId: row.key_id, sealed: row.credentials });
        const { keyId, sealed } = this.cipher.seal(row.id, credentials);
        await client.query('update partner_connections set key_id = $2, credentials = $3, updated_at = now() where id = $1', [row.id, keyId, sealed]);
        rotated += 1;
      }
      return { rotated, total: rows.length };
    });
  }

  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.db.connect();
    try {
      await client.query('begin');
      const result = await work(client);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

function summary(row: ConnectionRow): ConnectionSummary {
  return {
    id: row.id,
    organizationId: row.organization_id,
    partner: row.partner,
    name: row.name,
    options: connectionOptionsSchema.parse(row.options ?? {}),
    enabled: row.enabled,
    health: { state: row.health_state, reason: row.health_reason, sinceMs: row.health_since.getTime() },
    keyId: row.key_id,
  };
}
