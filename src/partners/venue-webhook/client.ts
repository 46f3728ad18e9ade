import type { HttpRequester } from '../../channels/webhook/webhook-channel';
import type { PartnerAdapter } from '../partner';
import { createSignedHookAdapter } from '../signed-hook';
import { venueEventBody } from './mapping';

/** A venue booking system without an API of its own, but an inbound hook: signed events. */
export function createVenueWebhookAdapter(http: HttpRequester, userAgent: string): PartnerAdapter {
  return createSignedHookAdapter({
    partner: 'venue-webhook',
    http,
    userAgent,
    rateLimit: { max: 10, perMs: 1_000, maxConcurrent: 4 },
    body: (snapshot, change) => venueEventBody(snapshot, change),
  });
}
