import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * What an acknowledge link or button carries: which delivery was answered and until when the
 * link is good. Deterministic for a delivery (the expiry is computed from the message, not the
 * clock of the attempt), so a retried send renders the very same link.
 */
export interface AckClaim {
  readonly deliveryId: string;
  readonly eventId: string;
  /** Epoch milliseconds after which the link is refused. */
  readonly expiresAtMs: number;
}

export type AckTokenCheck = { readonly ok: true; readonly claim: AckClaim } | { readonly ok: false; readonly reason: 'malformed' | 'bad_signature' | 'expired' };

/** Tokens are short enough for an SMS and a Slack button value (≤ 2,000 chars). */
const MAX_TOKEN_CHARS = 600;

/**
 * HMAC-SHA256 over the claim, keyed with ACK_LINK_KEY: `<base64url claim>.<base64url mac>`.
 * The signature is checked before the claim is parsed, in constant time.
 */
export function createAckTokens(key: Buffer) {
  if (key.length < 32) throw new RangeError('ack link key must be at least 32 bytes');
  const mac = (data: string) => createHmac('sha256', key).update(data).digest();
  return {
    sign(claim: AckClaim): string {
      const data = Buffer.from(JSON.stringify([claim.deliveryId, claim.eventId, claim.expiresAtMs])).toString('base64url');
      return `${data}.${mac(data).toString('base64url')}`;
    },
    verify(token: string, nowMs: number): AckTokenCheck {
      if (token.length > MAX_TOKEN_CHARS) return { ok: false, reason: 'malformed' };
      const [data, signature, extra] = token.split('.');
      if (!data || !signature || extra !== undefined) return { ok: false, reason: 'malformed' };
      const given = Buffer.from(signature, 'base64url');
      const expected = mac(data);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
      const claim = parseClaim(Buffer.from(data, 'base64url').toString('utf8'));
      if (!claim) return { ok: false, reason: 'malformed' };
      if (nowMs > claim.expiresAtMs) return { ok: false, reason: 'expired' };
      return { ok: true, claim };
    },
  };
}

export type AckTokens = ReturnType<typeof createAckTokens>;

function parseClaim(json: string): AckClaim | null {
  try {
    const value: unknown = JSON.parse(json);
    if (!Array.isArray(value) || value.length !== 3) return null;
    const [deliveryId, eventId, expiresAtMs] = value as unknown[];
    if (typeof deliveryId !== 'string' || typeof eventId !== 'string' || typeof expiresAtMs !== 'number') return null;
    return { deliveryId, eventId, expiresAtMs };
  } catch {
    return null;
  }
}

/** Where a person acknowledges a delivery: the worker's public ack page for its token. */
export function ackLinkUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/ack/${encodeURIComponent(token)}`;
}

/** What a channel puts in a message that asks for an answer (channels/ack-link.ts). */
export interface AckLink {
  readonly token: string;
  readonly url: string;
}

/**
 * Links for critical messages only: those are the ones a policy escalates. The expiry counts from
 * when the change happened, so every attempt of a delivery carries the same link.
 */
export function createAckLinks(options: { tokens: AckTokens; publicBaseUrl: string; ttlMs: number }) {
  return (deliveryId: string, content: { eventId: string; occurredAt: string; priority: { level: string } }): AckLink | null => {
    if (content.priority.level !== 'critical') return null;
    const occurredMs = Date.parse(content.occurredAt);
    if (!Number.isFinite(occurredMs)) return null;
    const token = options.tokens.sign({ deliveryId, eventId: content.eventId, expiresAtMs: occurredMs + options.ttlMs });
    return { token, url: ackLinkUrl(options.publicBaseUrl, token) };
  };
}

export type AckLinkFor = ReturnType<typeof createAckLinks>;
