/** What the status page, /metrics and the CLI read from the ledger; nothing here writes. */

/** A pool or client (the ledger's SqlClient fits). */
interface Sql {
  query<R extends object>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'dead' | 'failed_over';

export interface LedgerFilter {
  readonly ids?: readonly string[];
  readonly status?: DeliveryStatus;
  readonly organizationId?: string;
  /** A destination key such as `webhook:<endpoint id>` or `slack:<organization id>`. */
  readonly destination?: string;
  readonly sinceMs?: number;
  readonly untilMs?: number;
  readonly limit?: number;
}

export interface LedgerEntry {
  readonly id: string;
  readonly eventId: string;
  readonly organizationId: string | null;
  readonly channel: string;
  readonly recipient: string;
  readonly destination: string;
  readonly priority: string;
  readonly status: string;
  readonly attempts: number;
  readonly lastStatus: number | null;
  readonly reason: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Backlog {
  readonly byLevel: Record<string, number>;
  readonly oldestCriticalMs: number | null;
}

/** The filter as a where clause with numbered parameters (shared by listing and replaying). */
export function filterSql(filter: LedgerFilter): { sql: string; values: unknown[] } {
  const clauses: string[] = [];
  const values: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    values.push(value);
    clauses.push(sql.replace('?', `$${values.length}`));
  };
  if (filter.ids?.length) add('id = any(?)', filter.ids);
  if (filter.status) add('status = ?', filter.status);
  if (filter.organizationId) add('organization_id = ?', filter.organizationId);
  if (filter.destination) add('destination = ?', filter.destination);
  if (filter.sinceMs !== undefined) add('created_at >= ?', new Date(filter.sinceMs).toISOString());
  if (filter.untilMs !== undefined) add('created_at < ?', new Date(filter.untilMs).toISOString());
  return { sql: clauses.length ? `where ${clauses.join(' and ')}` : '', values };
}

/** Deliveries not finished yet, by level, and the age of the oldest pending critical one. */
export async function pendingBacklog(db: Sql): Promise<Backlog> {
  const { rows } = await db.query<{ priority: string; count: string; oldest: Date | null }>(
    `select priority, count(*) as count, min(created_at) as oldest from deliveries where status = 'pending' group by priority`,
  );
  const byLevel: Record<string, number> = { critical: 0, high: 0, normal: 0, low: 0 };
  for (const r of rows) byLevel[r.priority] = Number(r.count);
  const oldest = rows.find((r) => r.priority === 'critical')?.oldest ?? null;
  return { byLevel, oldestCriticalMs: oldest ? oldest.getTime() : null };
}

/** Rows without their payload, newest first. */
export async function listDeliveries(db: Sql, filter: LedgerFilter): Promise<LedgerEntry[]> {
  const { sql, values } = filterSql(filter);
  const { rows } = await db.query<Record<string, unknown>>(
    `select id, event_id, organization_id, channel, recipient, destination, priority, status, attempts, last_status,
            coalesce(dead_reason, last_error) as reason, created_at, updated_at
     from deliveries ${sql} order by created_at desc limit ${Math.max(1, Math.min(10_000, filter.limit ?? 100))}`,
    values,
  );
  return rows.map((r) => ({
    id: String(r.id),
    eventId: String(r.event_id),
    organizationId: (r.organization_id as string | null) ?? null,
    channel: String(r.channel),
    recipient: String(r.recipient),
    destination: String(r.destination),
    priority: String(r.priority),
    status: String(r.status),
    attempts: Number(r.attempts),
    lastStatus: (r.last_status as number | null) ?? null,
    reason: (r.reason as string | null) ?? null,
    createdAt: (r.created_at as Date).toISOString(),
    updatedAt: (r.updated_at as Date).toISOString(),
  }));
}
