import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { DeliveryLedger, type LedgerEntry, type LedgerFilter } from '../deliver/durable/delivery-ledger';
import { createPgEventDeadLetters } from '../deliver/durable/pg-event-dead-letters';

export interface Io {
  readonly env: Readonly<Record<string, string | undefined>>;
  out(text: string): void;
  err(text: string): void;
}

const filterOptions = {
  id: { type: 'string', multiple: true },
  org: { type: 'string' },
  destination: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  'queue-schema': { type: 'string', default: 'graphile_worker' },
} as const;

function time(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new UsageError(`--${name} must be an ISO time, e.g. 2026-11-25T00:00:00Z`);
  return ms;
}

export class UsageError extends Error {}

export async function withLedger<T>(io: Io, schema: string, work: (ledger: DeliveryLedger, pool: Pool) => Promise<T>): Promise<T> {
  const databaseUrl = io.env.DATABASE_URL;
  if (!databaseUrl) throw new UsageError('DATABASE_URL is not set');
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  try {
    return await work(new DeliveryLedger(pool, schema), pool);
  } finally {
    await pool.end();
  }
}

function filterOf(values: { id?: string[]; org?: string; destination?: string; since?: string; until?: string }): Omit<LedgerFilter, 'status' | 'limit'> {
  const sinceMs = time(values.since, 'since');
  const untilMs = time(values.until, 'until');
  return {
    ...(values.id?.length ? { ids: values.id } : {}),
    ...(values.org ? { organizationId: values.org } : {}),
    ...(values.destination ? { destination: values.destination } : {}),
    ...(sinceMs !== undefined ? { sinceMs } : {}),
    ...(untilMs !== undefined ? { untilMs } : {}),
  };
}

function format(rows: readonly LedgerEntry[]): string {
  if (rows.length === 0) return 'none\n';
  return `${rows
    .map((r) => [r.createdAt, r.status.padEnd(11), r.priority.padEnd(8), r.channel.padEnd(7), r.id, r.destination, `attempts=${r.attempts}`, r.lastStatus ?? '', r.reason ?? ''].join('  '))
    .join('\n')}\n`;
}

/** `deliveries`: the ledger, filtered; `dead-letters` is the same with --status dead. */
export async function listDeliveries(args: string[], io: Io, fixedStatus?: LedgerEntry['status']): Promise<number> {
  const { values } = parseArgs({ args, options: { ...filterOptions, status: { type: 'string' }, limit: { type: 'string', default: '100' }, json: { type: 'boolean' } } });
  const status = (fixedStatus ?? values.status) as LedgerFilter['status'];
  if (status && !['pending', 'delivered', 'dead', 'failed_over'].includes(status)) throw new UsageError('--status must be pending, delivered, dead or failed_over');
  const rows = await withLedger(io, values['queue-schema'], (ledger) =>
    ledger.list({ ...filterOf(values), ...(status ? { status } : {}), limit: Number(values.limit) }),
  );
  io.out(values.json ? `${JSON.stringify(rows, null, 2)}\n` : format(rows));
  return 0;
}

/** `replay`: dead letters back into the queue under their own delivery ids. */
export async function replay(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { ...filterOptions, all: { type: 'boolean' } } });
  const filter = filterOf(values);
  if (Object.keys(filter).length === 0 && !values.all) {
    throw new UsageError('say which dead letters to replay (--id, --destination, --org, --since, --until), or --all');
  }
  const ids = await withLedger(io, values['queue-schema'], (ledger) => ledger.replay(filter));
  io.out(`replayed ${ids.length} dead letter(s)\n${ids.map((id) => `  ${id}\n`).join('')}`);
  return 0;
}

/** `dead-events`: changes that could not be decided on, with the reason. */
export async function listDeadEvents(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { limit: { type: 'string', default: '100' }, 'queue-schema': filterOptions['queue-schema'] } });
  const rows = await withLedger(io, values['queue-schema'], (_ledger, pool) => createPgEventDeadLetters(pool).recent(Number(values.limit)));
  io.out(rows.length ? `${rows.map((r) => `${new Date(r.atMs).toISOString()}  ${r.table} ${r.operation}  ${r.eventId}  ${r.reason}`).join('\n')}\n` : 'none\n');
  return 0;
}
