import type { Channel, DeliveryReceipt, SendContext } from '../channel';
import { RetryableDeliveryError } from '../errors';
import type { InAppMessage } from '../messages';
import { raceAbort, throwIfShuttingDown } from '../race-abort';
import { safeLink } from '../render/safe-link';
import { withoutInvisibles } from '../render/text';
import { classifyPgError } from '../pg-classify';

/** The one call made on pg (a Pool in production). */
export interface QueryableLike {
  query(text: string, values: unknown[]): Promise<{ rows: { id: string }[] }>;
}

export interface InAppChannelOptions {
  /** Its search_path picks the schema: the table name is unqualified. */
  readonly db: QueryableLike;
}

const INSERT = `insert into notifications
  (delivery_id, organization_id, recipient_kind, recipient_id, wedding_id, kind, title, body, priority, link, data)
  values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
  on conflict (delivery_id) do nothing
  returning id`;
// A separate statement, so it sees a row a concurrent insert committed while ours waited on the conflict.
const EXISTING = 'select id from notifications where delivery_id = $1';

// PostgreSQL text and jsonb cannot hold NUL; a customer who types one must not make the row fail forever.
// Zero-width and bidi marks go too: the app would show them as other text, as every channel would.
const storable = (text: string) => withoutInvisibles(text.replaceAll('\u0000', ''));

/** A row the app shows through its own Realtime subscription; the delivery id makes replays no-ops. */
export function createInAppChannel({ db }: InAppChannelOptions): Channel<InAppMessage> {
  const query = async (text: string, values: unknown[]) => {
    try {
      return await db.query(text, values);
    } catch (error) {
      throw classifyPgError(error);
    }
  };
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
      const values = [
        deliveryId,
        message.organizationId,
        message.recipientKind,
        message.recipientId,
        message.weddingId,
        content.kind,
        storable(content.title),
        storable(content.summary),
        content.priority.level,
        safeLink(content.link),
        JSON.stringify(data, (_key, value: unknown) => (typeof value === 'string' ? storable(value) : value)),
      ];
      // pg cannot cancel a query; an insert finishing after shutdown is harmless, a replay is a no-op.
      const inserted = await raceAbort(query(INSERT, values), signal);
      const id = inserted.rows[0]?.id ?? (await raceAbort(query(EXISTING, [deliveryId]), signal)).rows[0]?.id;
      if (!id) throw new RetryableDeliveryError('postgres: notification row neither inserted nor found');
      return { providerMessageId: id };
    },
  };
}
