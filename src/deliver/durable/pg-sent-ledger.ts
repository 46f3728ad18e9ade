import type { SentLedger } from '../../channels/sms/sent-ledger';
import type { SqlClient } from './delivery-ledger';

/**
 * Twilio has no idempotency key, so the message sid is written to the delivery's ledger row the
 * moment Twilio accepts it; a retry, a restart or another replica finds it there and does not
 * send again. Only a crash between Twilio's answer and this write can still duplicate an SMS.
 */
export function createPgSentLedger(db: SqlClient): SentLedger {
  return {
    async lookup(deliveryId) {
      const { rows } = await db.query<{ provider_message_id: string | null }>('select provider_message_id from deliveries where id = $1', [deliveryId]);
      return rows[0]?.provider_message_id ?? null;
    },
    async record(deliveryId, sid) {
      await db.query('update deliveries set provider_message_id = $2, updated_at = now() where id = $1', [deliveryId, sid]);
    },
  };
}
