import { randomBytes } from 'node:crypto';
import { CredentialCipher } from '../../src/connections/credential-cipher';
import { parseCredentialKeys, type CredentialKeyring } from '../../src/connections/credential-keys';

/** A fresh `id:base64` entry of CONNECTION_KEYS. */
export function keyEntry(id: string): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

export function keyring(value: string): CredentialKeyring {
  const parsed = parseCredentialKeys(value);
  if ('problems' in parsed) throw new Error(parsed.problems.join('; '));
  return parsed.keyring;
}

export function cipherFor(value: string): CredentialCipher {
  return new CredentialCipher(keyring(value));
}
