import { BatchedStatement } from '../../lib/batched-statement';
import type { Channel, DeliveryReceipt, SendContext } from '../channel';
import { RetryableDeliveryError } from '../errors';
import type { InAppMessage } from '../messages';
import { raceAbort, throwIfShuttingDown } from '../race-abort';
import { safeLink } from '../render/safe-link';
import { withoutInvisibles } from '../render/text';
import { classifyPgError } from '../pg-classify';

/** The one call made on pg (a Pool in production). */
export interface QueryableLike {
  query<R extends object>(text: string, values: unknown[]): Promise<{ rows: R[] }>;
}

export interface InAppChannelOptions {
  /** Its search_path picks the schema: the table name is unqualified. */
  readonly db: QueryableLike;
}

interface NotificationRow {
  readonly delivery_id: string;
  readonly organization_id: string;
  readonly recipient_kind: string;
  readonly recipient_id: string;
  readonly wedding_id: string | null;
  readonly kind: string;
  readonly title: string;
  readonly body: string;
  readonly priority: string;
  readonly link: string | null;
  /** Its JSON text: cast to jsonb by the statement. */
  readonly data: string;
}

const INSERT = `insert into notifications
  (delivery_id, organization_id, recipient_kind, recipient_id, wedding_id, kind, title, body, priority, link, data)
  select x.delivery_id, x.organization_id, x.recipient_kind, x.recipient_id, x.wedding_id, x.kind, x.title, x.body, x.priority, x.link, x.data::jsonb
  from jsonb_to_recordset($1::jsonb) as x(delivery_id text, organization_id uuid, recipient_kind text, recipient_id uuid, wedding_id uuid,
                                           kind text, title text, body text, priority text, link text, data text)
  on conflict (delivery_id) do nothing
  returning delivery_id, id`;
// A separate statement, so it sees rows a concurrent insert committed while ours waited on the conflict.
const EXISTING = 'select delivery_id, id from notifications where delivery_id = any($1::text[])';
type Written = { readonly delivery_id: string; readonly id: string };

// PostgreSQL text and jsonb cannot hold NUL; a customer who types one must not make the row fail forever.
// Zero-width and bidi marks go too: the app would show them as other text, as every channel would.
const storable = (text: string) => withoutInvisibles(text.replaceAll('\u0000', ''));

/**
 * A row the app shows through its own Realtime subscription; the delivery id makes replays no-ops.
 * The rows of sends that arrive while one insert is in flight go in the next, together: one
 * statement and one commit for many (on a wedding Saturday each commit waits its turn for the WAL,
 * bench/ figure 11). A batch refused for its data is written again row by row, so that only the
 * faulty row's send fails.
 */
export function createInAppChannel({ db }: InAppChannelOptions): Channel<InAppMessage> {
  const query = async <R extends object>(text: string, values: unknown[]) => {
    try {
      return (await db.query<R>(text, values)).rows;
    } catch (error) {
      throw classifyPgError(error);
    }
  };
  const inserts = new BatchedStatement<NotificationRow, string | undefined>(
    async (rows) => {
      // One row per delivery: concurrent sends of one delivery share it.
      const unique = [...new Map(rows.map((r) => [r.delivery_id, r])).values()];
      const ids = new Map((await query<Written>(INSERT, [JSON.stringify(unique)])).map((r) => [r.delivery_id, r.id]));
      const missing = unique.filter((r) => !ids.has(r.delivery_id)).map((r) => r.delivery_id);
      if (missing.length > 0) for (const r of await query<Written>(EXISTING, [missing])) ids.set(r.delivery_id, r.id);
      return rows.map((r) => ids.get(r.delivery_id));
    },
    500,
    (error) => !(error instanceof RetryableDeliveryError),
  );
  return {
    kind: 'in_app',
    async send(message: InAppMessage, { signal, deliveryId }: SendContext): Promise<DeliveryReceipt> {
      throwIfShuttingDown(signal);
      const { content } = message;
      const data = {
        eventId: content.eventId,
        facts: content.facts,
        priority: { score: content.priority.score, reasons: content.priority.reasons },
        wedding: content.wedding,
        occurredAt: content.occurredAt,
        // A digest row lists its changes, for the app to show as one summary row that opens into a list.
        ...(content.digest ? { digest: content.digest } : {}),
      };
      const row: NotificationRow = {
        delivery_id: deliveryId,
        organization_id: message.organizationId,
        recipient_kind: message.recipientKind,
        recipient_id: message.recipientId,
        wedding_id: message.weddingId,
        kind: content.kind,
        title: storable(content.title),
        body: storable(content.summary),
        priority: content.priority.level,
        link: safeLink(content.link),
        data: JSON.stringify(data, (_key, value: unknown) => (typeof value === 'string' ? storable(value) : value)),
      };
      // pg cannot cancel a query; an insert finishing after shutdown is harmless, a replay is a no-op.
      const id = await raceAbort(inserts.add(row), signal);
      if (!id) throw new RetryableDeliveryError('postgres: notification row neither inserted nor found');
      return { providerMessageId: id };
    },
  };
}
