import { Webhook } from 'standardwebhooks';

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
  private readonly signers = new Map<string, Webhook>();

  sign(secrets: readonly string[], messageId: string, timestamp: Date, body: string): SignedHeaders {
    const signature = secrets.map((secret) => this.signerFor(secret).sign(messageId, timestamp, body)).join(' ');
    return {
      'webhook-id': messageId,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signature,
    };
  }

  private signerFor(secret: string): Webhook {
    let signer = this.signers.get(secret);
    if (!signer) {
      signer = new Webhook(secret);
      this.signers.set(secret, signer);
    }
    return signer;
  }
}
