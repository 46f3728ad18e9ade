/** One AES-256 key of CONNECTION_KEYS, with the id stored beside every row it sealed. */
export interface CredentialKey {
  readonly id: string;
  readonly key: Buffer;
}

/** The keys in order: the first seals, every one of them opens (until rotate-key is run). */
export interface CredentialKeyring {
  readonly current: CredentialKey;
  readonly byId: ReadonlyMap<string, CredentialKey>;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Parses `CONNECTION_KEYS="k2:<base64 32 bytes> k1:<base64 32 bytes>"`. Problems name the entry
 * by position and id, never by its key material.
 */
export function parseCredentialKeys(value: string): { keyring: CredentialKeyring } | { problems: string[] } {
  const problems: string[] = [];
  const keys: CredentialKey[] = [];
  const entries = value.trim().split(/\s+/).filter(Boolean);
  if (entries.length === 0) return { problems: ['must list at least one key as id:base64'] };
  entries.forEach((entry, index) => {
    const at = `key ${index + 1}`;
    const colon = entry.indexOf(':');
    if (colon < 0) return void problems.push(`${at} must be id:base64`);
    const id = entry.slice(0, colon);
    const material = entry.slice(colon + 1);
    if (!KEY_ID.test(id)) return void problems.push(`${at} has an id that is not 1 to 32 letters, digits, "-" or "_"`);
    if (keys.some((k) => k.id === id)) return void problems.push(`${at} repeats the id ${id}`);
    const key = BASE64.test(material) ? Buffer.from(material, 'base64') : Buffer.alloc(0);
    if (key.length !== 32) return void problems.push(`${at} (${id}) must be 32 bytes in base64 (openssl rand -base64 32)`);
    keys.push({ id, key });
  });
  if (problems.length > 0) return { problems };
  return { keyring: { current: keys[0]!, byId: new Map(keys.map((k) => [k.id, k])) } };
}
