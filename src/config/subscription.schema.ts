import { z } from 'zod';
import { changeOperations } from '../vocabulary';
import { identifier, operation, sqlName } from './rules.schema';

/** One stream of changes the worker follows: the rules file's `subscriptions[]`. */
// Realtime accepts only these operators reliably on the hosted fleet (realtime-protocol.md §2.3).
const realtimeFilter = z
  .string()
  .regex(/^[a-z_][a-z0-9_]*=(eq|neq|lt|lte|gt|gte|in)\..+$/, 'must look like column=op.value with op in eq,neq,lt,lte,gt,gte,in');

export const intakeModes = ['table', 'outbox', 'broadcast'] as const;

const pageSize = z.number().int().min(1).max(10_000).default(500).describe('Rows read per catch-up query');
const overlapMs = z
  .number()
  .int()
  .min(0)
  .default(5_000)
  .describe('Catch-up re-reads this far behind its cursor: the stamp is set at transaction start, and a longer transaction commits after later stamps');

const tableCatchUp = z
  .object({
    column: sqlName.default('updated_at').describe('Timestamp column every write sets (set_updated_at() keeps it)'),
    createdColumn: sqlName
      .nullable()
      .default('created_at')
      .describe('A row whose created and updated stamps are equal is reported as an INSERT, otherwise as an UPDATE; null: always UPDATE'),
    overlapMs,
    pageSize,
  })
  .strict();

const outboxIntake = z
  .object({
    table: sqlName.default('change_outbox').describe('Outbox table, in the subscription schema'),
    pageSize,
    gapGraceMs: z
      .number()
      .int()
      .positive()
      .default(30_000)
      .describe('An outbox id missing below newer ones is waited for this long (its transaction may still commit) before the cursor passes it'),
  })
  .strict();

const broadcastIntake = z
  .object({
    topic: z.string().min(1).max(200).default('wedsync-changes').describe('Topic the broadcast_change() trigger sends to'),
    private: z.boolean().default(true).describe('Join as a private channel (realtime.broadcast_changes sends private messages)'),
    messagesTable: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/, 'must be schema.table')
      .default('realtime.messages')
      .describe('Where catch-up reads broadcast messages back (kept 72 h by Supabase)'),
    overlapMs,
    pageSize,
  })
  .strict();

export const subscription = z
  .object({
    name: identifier.describe('Unique name; shows on /readyz and in logs'),
    schema: sqlName.default('public'),
    table: sqlName,
    events: z.array(operation).min(1).default([...changeOperations]).describe('Operations to act on'),
    filter: realtimeFilter.optional().describe('Optional Realtime filter, e.g. organization_id=eq.42'),
    primaryKey: z.array(sqlName).min(1).default(['id']).describe('Columns that identify a row'),
    organizationIdColumn: sqlName.default('organization_id').describe('Column naming the tenant'),
    weddingIdColumn: sqlName
      .nullable()
      .default('wedding_id')
      .describe('Column naming the wedding ("id" for the weddings table; null for organization-wide tables)'),
    mode: z
      .enum(intakeModes)
      .default('table')
      .describe(
        'How changes arrive: "table" (postgres_changes on the table itself), "outbox" (rows the capture_change trigger writes to an outbox table; complete, DELETEs included, recommended), "broadcast" (Broadcast from Database)',
      ),
    versionColumn: sqlName
      .optional()
      .describe('Table mode: a row-version column (e.g. updated_at) that replaces the commit time in the event id, so a change read back by catch-up gets the id it had live. Defaults to catchUp.column when catchUp is set'),
    catchUp: tableCatchUp.optional().describe('Table mode: re-read rows changed while not live, by a timestamp column. Absent: no catch-up'),
    outbox: outboxIntake.optional().describe('Outbox mode settings; subscriptions naming the same outbox table share one Realtime channel'),
    broadcast: broadcastIntake.optional().describe('Broadcast mode settings; subscriptions naming the same topic share one channel'),
    notLiveGraceMs: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('After having been live, how long the subscription may stay not live before /readyz turns 503 (0: at once)'),
  })
  .strict();
