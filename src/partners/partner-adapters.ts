import type { HttpRequester } from '../channels/webhook/webhook-channel';
import type { TokenRefresher } from '../connections/token-refresh';
import { createConstantContactAdapter } from './constant-contact/client';
import { createHoneybookZapierAdapter } from './honeybook-zapier/client';
import { createLightBlueAdapter } from './light-blue/client';
import { createMailchimpAdapter } from './mailchimp/client';
import type { PartnerAdapter } from './partner';
import { createTripleseatAdapter } from './tripleseat/client';
import { createVenueWebhookAdapter } from './venue-webhook/client';
import { createVscoWorkspaceAdapter } from './vsco-workspace/client';

export interface PartnerEndpoints {
  readonly VSCO_WORKSPACE_BASE_URL?: string | undefined;
  readonly LIGHT_BLUE_BASE_URL?: string | undefined;
  readonly TRIPLESEAT_BASE_URL?: string | undefined;
  /** `{dc}` is replaced by the data center of the connection's key. */
  readonly MAILCHIMP_BASE_URL?: string | undefined;
  readonly CONSTANT_CONTACT_BASE_URL?: string | undefined;
  readonly CONSTANT_CONTACT_AUTH_URL?: string | undefined;
}

export interface PartnerAdapterDeps {
  readonly http: HttpRequester;
  readonly userAgent: string;
  /** OAuth tokens stored sealed with their connection, refreshed by one replica at a time. */
  readonly tokens: TokenRefresher;
  readonly endpoints?: PartnerEndpoints;
  readonly appBaseUrl?: string | null;
  readonly now?: () => number;
}

/** Every partner adapter, keyed by partner name; base URLs overridable for sandboxes and tests. */
export function createPartnerAdapters({ http, userAgent, tokens, endpoints = {}, appBaseUrl = null, now = Date.now }: PartnerAdapterDeps): Map<string, PartnerAdapter> {
  const adapters = [
    createVscoWorkspaceAdapter(http, userAgent, endpoints.VSCO_WORKSPACE_BASE_URL, appBaseUrl),
    createLightBlueAdapter(http, userAgent, endpoints.LIGHT_BLUE_BASE_URL),
    createHoneybookZapierAdapter(http, userAgent),
    createTripleseatAdapter(http, userAgent, tokens, endpoints.TRIPLESEAT_BASE_URL, now),
    createVenueWebhookAdapter(http, userAgent),
    createMailchimpAdapter(http, userAgent, endpoints.MAILCHIMP_BASE_URL),
    createConstantContactAdapter({ http, userAgent, tokens, now, ...(endpoints.CONSTANT_CONTACT_BASE_URL ? { baseUrl: endpoints.CONSTANT_CONTACT_BASE_URL } : {}), ...(endpoints.CONSTANT_CONTACT_AUTH_URL ? { authUrl: endpoints.CONSTANT_CONTACT_AUTH_URL } : {}) }),
  ];
  return new Map(adapters.map((a) => [a.partner, a]));
}
