import type { Logger } from '../lib/logger';
import { maskedAddress } from '../channels/masked-address';
import { hasAddress, type StoredDelivery } from './stored-delivery';

/** The fields every log line about one delivery carries, bound once. */
export function deliveryLogger(logger: Logger, delivery: StoredDelivery): Logger {
  return logger.child({
    deliveryId: delivery.id,
    eventId: delivery.eventId,
    organizationId: delivery.organizationId,
    weddingId: delivery.weddingId,
    channel: delivery.channel,
    recipient: `${delivery.recipient.kind}:${delivery.recipient.id}`,
    ...(hasAddress(delivery.message) ? { to: maskedAddress(delivery.message) } : {}),
    priority: delivery.priority.level,
    ...delivery.log,
  });
}
