import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { CredentialKeyring } from './credential-keys';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SealedCredentials {
  readonly keyId: string;
  /** iv | auth tag | ciphertext. */
  readonly sealed: Buffer;
}

/** The stored credentials cannot be opened: a key missing from CONNECTION_KEYS, or tampering. */
export class CredentialsUnreadableError extends Error {
  constructor(
    readonly connectionId: string,
    reason: string,
  ) {
    super(`credentials of connection ${connectionId} cannot be read: ${reason}`);
    this.name = 'CredentialsUnreadableError';
  }
}

/**
 * AES-256-GCM through node:crypto. The connection id is the additional authenticated data, so a
 * sealed value copied onto another connection's row does not open there.
 */
export class CredentialCipher {
  constructor(private readonly keyring: CredentialKeyring) {}

  get currentKeyId(): string {
    return this.keyring.current.id;
  }

  seal(connectionId: string, credentials: Readonly<Record<string, unknown>>): SealedCredentials {
    const { id, key } = this.keyring.current;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(connectionId));
    const body = Buffer.concat([cipher.update(JSON.stringify(credentials), 'utf8'), cipher.final()]);
    return { keyId: id, sealed: Buffer.concat([iv, cipher.getAuthTag(), body]) };
  }

  open(connectionId: string, stored: SealedCredentials): Record<string, unknown> {
    const entry = this.keyring.byId.get(stored.keyId);
    if (!entry) throw new CredentialsUnreadableError(connectionId, `key ${stored.keyId} is not in CONNECTION_KEYS`);
    try {
      const iv = stored.sealed.subarray(0, IV_BYTES);
      const tag = stored.sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', entry.key, iv);
      decipher.setAAD(Buffer.from(connectionId));
      decipher.setAuthTag(tag);
      const text = Buffer.concat([decipher.update(stored.sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      // Node's message says nothing secret, but nothing of it helps either: keep the reason plain.
      throw new CredentialsUnreadableError(connectionId, `authentication failed under key ${stored.keyId}`);
    }
  }
}
