import type { Pool, PoolClient } from 'pg';

/** Which record of a partner's is one of our weddings (a Tripleseat event id, a VSCO job id). */
export class PartnerLinks {
  constructor(private readonly db: Pool | PoolClient) {}

  async get(connectionId: string, weddingId: string): Promise<string | null> {
    const { rows } = await this.db.query<{ external_id: string }>(
      'select external_id from partner_links where connection_id = $1 and wedding_id = $2',
      [connectionId, weddingId],
    );
    return rows[0]?.external_id ?? null;
  }

  async set(connectionId: string, weddingId: string, externalId: string): Promise<void> {
    await this.db.query(
      `insert into partner_links (connection_id, wedding_id, external_id) values ($1, $2, $3)
       on conflict (connection_id, wedding_id) do update set external_id = excluded.external_id, updated_at = now()`,
      [connectionId, weddingId, externalId],
    );
  }
}
