import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack refuses replays older than this; so do we (docs.slack.dev "verifying requests"). */
export const SLACK_MAX_AGE_MS = 5 * 60_000;

export type SlackSignatureCheck = { readonly ok: true } | { readonly ok: false; readonly reason: 'missing' | 'stale' | 'bad_signature' };

/**
 * Slack's v0 scheme: `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:{ts}:{raw body}")>`
 * over the raw bytes as received (a re-encoded form would not match). Timestamps more than five
 * minutes from our clock, either way, are refused before any HMAC is computed.
 */
export function verifySlackSignature(input: {
  readonly signingSecret: string;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  readonly rawBody: Buffer;
  readonly nowMs: number;
}): SlackSignatureCheck {
  const { timestamp, signature } = input;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp) || !signature.startsWith('v0=')) return { ok: false, reason: 'missing' };
  if (Math.abs(input.nowMs - Number(timestamp) * 1000) > SLACK_MAX_AGE_MS) return { ok: false, reason: 'stale' };
  const expected = createHmac('sha256', input.signingSecret).update(`v0:${timestamp}:`).update(input.rawBody).digest();
  const given = Buffer.from(signature.slice(3), 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  return { ok: true };
}
