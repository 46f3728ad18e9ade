import type { HttpRequester } from '../../channels/webhook/webhook-channel';
import type { PartnerAdapter } from '../partner';
import { createSignedHookAdapter } from '../signed-hook';
import { honeybookZapBody } from './mapping';

/**
 * HoneyBook has no public API: its users automate through Zapier (partners.md). We post the flat
 * body to the studio's "Webhooks by Zapier → Catch Hook" URL; the Zap maps it onto HoneyBook.
 * Zapier's own intake limit is generous [inferred]; 5/s keeps one studio's Zap task use sane.
 */
export function createHoneybookZapierAdapter(http: HttpRequester, userAgent: string): PartnerAdapter {
  return createSignedHookAdapter({
    partner: 'honeybook-zapier',
    http,
    userAgent,
    rateLimit: { max: 5, perMs: 1_000, maxConcurrent: 2 },
    body: (snapshot, change, options) => honeybookZapBody(snapshot, change, options),
  });
}
