import type { HttpRequester } from '../channels/webhook/webhook-channel';
import { createHoneybookZapierAdapter } from './honeybook-zapier/client';
import { createLightBlueAdapter } from './light-blue/client';
import type { PartnerAdapter } from './partner';
import { createTripleseatAdapter } from './tripleseat/client';
import { createVenueWebhookAdapter } from './venue-webhook/client';
import { createVscoWorkspaceAdapter } from './vsco-workspace/client';

export interface PartnerEndpoints {
  readonly VSCO_WORKSPACE_BASE_URL?: string | undefined;
  readonly LIGHT_BLUE_BASE_URL?: string | undefined;
  readonly TRIPLESEAT_BASE_URL?: string | undefined;
}

/** Every partner adapter, keyed by partner name; base URLs overridable for sandboxes and tests. */
export function createPartnerAdapters(http: HttpRequester, userAgent: string, endpoints: PartnerEndpoints = {}, appBaseUrl: string | null = null): Map<string, PartnerAdapter> {
  const adapters = [
    createVscoWorkspaceAdapter(http, userAgent, endpoints.VSCO_WORKSPACE_BASE_URL, appBaseUrl),
    createLightBlueAdapter(http, userAgent, endpoints.LIGHT_BLUE_BASE_URL),
    createHoneybookZapierAdapter(http, userAgent),
    createTripleseatAdapter(http, userAgent, endpoints.TRIPLESEAT_BASE_URL),
    createVenueWebhookAdapter(http, userAgent),
  ];
  return new Map(adapters.map((a) => [a.partner, a]));
}
