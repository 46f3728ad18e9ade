import type { DeliveryReceipt, SendContext } from '../channels/channel';
import { DestinationGoneError } from '../channels/errors-destination';
import type { Connection, PartnerName } from '../connections/connection';
import type { PoolClient } from 'pg';
import type { RateLimitSettings } from '../vocabulary';
import type { WeddingSnapshot } from './wedding-snapshot';

/** Remembered links between our weddings and a partner's records, on the send's own connection. */
export interface LinkBook {
  get(weddingId: string): Promise<string | null>;
  set(weddingId: string, externalId: string): Promise<void>;
}

export interface PartnerPush {
  readonly connection: Connection;
  readonly snapshot: WeddingSnapshot;
  readonly change: string;
  readonly links: LinkBook;
  /** The send's own session, holding its record lock: every database read or write of the send uses it. */
  readonly db: PoolClient;
}

/**
 * One partner's thin client: a pure mapping turns the snapshot into the partner's fields, the
 * client sends them and classifies the answer into the DeliveryError classes. Limits and retries
 * stay with src/deliver; `rateLimit` says how the partner counts.
 */
export interface PartnerAdapter {
  readonly partner: PartnerName;
  readonly rateLimit: RateLimitSettings;
  push(push: PartnerPush, context: SendContext): Promise<DeliveryReceipt>;
  /** One harmless request with the connection's credentials (`connections test`). */
  probe(connection: Connection, signal: AbortSignal): Promise<string>;
  /** Marketing platforms: archive or delete the person the platform knows by `externalRef` (right to erasure). */
  erase?(connection: Connection, externalRef: string, signal: AbortSignal): Promise<void>;
}

/**
 * The partner refused the connection's credentials (401), or they lack the rights (403): every
 * later send fails the same way until a person fixes the connection, so the connection stops.
 */
export class ConnectionRefusedError extends DestinationGoneError {
  readonly connectionLevel = true;
}
