import { Webhook } from 'standardwebhooks';
import { SecretKeyedCache, type SecretKeyedCacheOptions } from './secret-keyed-cache';

export interface SignedHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

/**
 * Standard Webhooks signing through its reference library. Several secrets give several
 * space-separated signatures, so a partner can rotate without a window of failed checks.
 */
export class WebhookSigner {
  private readonly signers: SecretKeyedCache<Webhook>;

  constructor(cache: SecretKeyedCacheOptions = {}) {
    this.signers = new SecretKeyedCache((secret) => new Webhook(secret), cache);
  }

  /** Secrets with a signer made, for the gauge. */
  secretsHeld(): number {
    return this.signers.size();
  }

  sign(secrets: readonly string[], messageId: string, timestamp: Date, body: string): SignedHeaders {
    const signature = secrets.map((secret) => this.signers.get(secret).sign(messageId, timestamp, body)).join(' ');
    return {
      'webhook-id': messageId,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signature,
    };
  }
}
