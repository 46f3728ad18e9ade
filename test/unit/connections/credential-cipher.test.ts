import { describe, expect, it } from '@jest/globals';
import { CredentialCipher, CredentialsUnreadableError } from '../../../src/connections/credential-cipher';
import { parseCredentialKeys } from '../../../src/connections/credential-keys';
import { cipherFor, keyEntry, keyring } from '../../support/connection-keys';

const CONNECTION = '5f0c6a52-8f7e-4c1e-9a3b-0d2f4e6a8b1c';
const SECRET = { apiKey: 'vsco_live_4f9a2c7e1b3d5f60' };

describe('CONNECTION_KEYS', () => {
  it('takes the first key as current and keeps the others for opening', () => {
    const parsed = parseCredentialKeys(`${keyEntry('k2')} ${keyEntry('k1')}`);
    if ('problems' in parsed) throw new Error(parsed.problems.join());
    expect(parsed.keyring.current.id).toBe('k2');
    expect([...parsed.keyring.byId.keys()]).toEqual(['k2', 'k1']);
  });

  it.each([
    ['', 'at least one key'],
    ['k1', 'key 1 must be id:base64'],
    ['k1:c2hvcnQ=', 'key 1 (k1) must be 32 bytes'],
    [`k1:${'A'.repeat(43)}= k1:${'B'.repeat(43)}=`, 'key 2 repeats the id k1'],
    [`bad.id:${'A'.repeat(43)}=`, 'key 1 has an id'],
  ])('lists the problem with %j without quoting key material', (value, problem) => {
    const parsed = parseCredentialKeys(value);
    expect('problems' in parsed && parsed.problems.join('\n')).toContain(problem);
    const material = value.split(':')[1];
    if (material && material.length > 4) expect(JSON.stringify(parsed)).not.toContain(material);
  });
});

describe('credential cipher (AES-256-GCM)', () => {
  it('opens what it sealed, and the sealed bytes do not contain the secret', () => {
    const cipher = cipherFor(keyEntry('k1'));
    const sealed = cipher.seal(CONNECTION, SECRET);
    expect(sealed.keyId).toBe('k1');
    expect(sealed.sealed.toString('utf8')).not.toContain(SECRET.apiKey);
    expect(cipher.open(CONNECTION, sealed)).toEqual(SECRET);
  });

  it('refuses a sealed value moved onto another connection (the id is authenticated)', () => {
    const cipher = cipherFor(keyEntry('k1'));
    const sealed = cipher.seal(CONNECTION, SECRET);
    expect(() => cipher.open('00000000-0000-4000-8000-000000000000', sealed)).toThrow(CredentialsUnreadableError);
  });

  it('refuses a tampered value', () => {
    const cipher = cipherFor(keyEntry('k1'));
    const sealed = cipher.seal(CONNECTION, SECRET);
    const tampered = Buffer.from(sealed.sealed);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => cipher.open(CONNECTION, { keyId: 'k1', sealed: tampered })).toThrow(CredentialsUnreadableError);
  });

  it('names a missing key by id when the value was sealed under a key no longer configured', () => {
    const old = cipherFor(keyEntry('k1')).seal(CONNECTION, SECRET);
    const error = (() => {
      try {
        new CredentialCipher(keyring(keyEntry('k2'))).open(CONNECTION, old);
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a failure');
    })();
    expect(error).toBeInstanceOf(CredentialsUnreadableError);
    expect(error.message).toContain('key k1 is not in CONNECTION_KEYS');
  });
});
