import { z } from 'zod';
import type { PartnerName } from './connection';

// Plain http only on loopback: sandboxes and the tests' fakes. Anything else travels encrypted.
const https = z.string().refine(isHttpsOrLoopback, 'must be an https:// URL');

export function isHttpsOrLoopback(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.username || url.password) return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname));
}
const whsec = z.string().regex(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, 'must be whsec_ followed by base64');

/** What each partner needs to let us in; checked before anything is sealed and stored. */
export const partnerCredentialSchemas: Record<PartnerName, z.ZodType<Record<string, string>>> = {
  'vsco-workspace': z.object({ apiKey: z.string().min(16, 'must be a Workspace API key (Settings → API Integrations)') }).strict(),
  'light-blue': z.object({ apiKey: z.string().min(8, "must be the studio's Light Blue API key") }).strict(),
  'honeybook-zapier': z.object({ hookUrl: https, signingSecret: whsec }).strict(),
  tripleseat: z.object({ clientId: z.string().min(8), clientSecret: z.string().min(16) }).strict(),
  'venue-webhook': z.object({ url: https, signingSecret: whsec }).strict(),
  // The data center is the key's suffix (…-us6): the key alone says where to send.
  mailchimp: z.object({ apiKey: z.string().regex(/^[0-9a-f]{32}-[a-z]{2,4}[0-9]{1,3}$/, 'must be a Mailchimp API key (32 hex digits, a dash, the data center: …-us6)') }).strict(),
  // The app's client; the tokens arrive through the OAuth callback, never typed in.
  'constant-contact': z.object({ clientId: z.string().min(8), clientSecret: z.string().min(8), redirectUri: https }).strict(),
  // The app's bot token from the organization's install (OAuth & Permissions → Bot User OAuth Token).
  slack: z.object({ botToken: z.string().regex(/^xoxb-[A-Za-z0-9-]{10,}$/, 'must be a Slack bot token (xoxb-…)') }).strict(),
};

/** The problems with these credentials, by field name, never quoting a value. */
export function credentialProblems(partner: PartnerName, credentials: unknown): string[] {
  const parsed = partnerCredentialSchemas[partner].safeParse(credentials);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => `${issue.path.join('.') || 'credentials'}: ${issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message}`);
}
