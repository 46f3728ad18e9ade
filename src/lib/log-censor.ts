/**
 * The second line of defence for logs: code is written not to log secrets or personal data at
 * all (addresses go through mask.ts); this censors what an object carries by accident.
 *
 * By key name, at any depth up to MAX_DEPTH, rather than pino's `redact` paths: a path list only
 * sees where someone thought to look (`*.secret` misses `a.b.secret`), and its wildcards cost
 * ~14 µs a log line here (bench/ figure 2), more than the rest of the line. A line with nothing to
 * censor is returned as it is, without a copy.
 */

const CENSORED = '[redacted]';
const MAX_DEPTH = 4;

/** Keys whose value is a secret or personal data wherever they appear. */
const SENSITIVE = new Set(
  [
    'secret',
    'secrets',
    'password',
    'apiKey',
    'authToken',
    'authorization',
    'cookie',
    'webhook-signature',
    'serviceRoleKey',
    'SUPABASE_SERVICE_ROLE_KEY',
    'RESEND_API_KEY',
    'TWILIO_AUTH_TOKEN',
    'DATABASE_URL',
    'REDIS_URL',
    'connectionString',
    'email',
    'phone',
    'webhookUrl',
    // Node's ERR_INVALID_URL keeps the whole URL it could not parse here, query token and all.
    'input',
  ].map((key) => key.toLowerCase()),
);

/**
 * Keys that are personal or secret inside a delivery message (its recipient address, its URL
 * with a token in the path), but that the log's own top-level `to` uses for the masked address.
 */
const SENSITIVE_IN_MESSAGE = new Set(['to', 'url']);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value) && !(value instanceof Date) && !(value instanceof Error);

/** `value` with every sensitive key's value replaced; the same object when there is none. */
export function censor<T>(value: T, depth = 0, parentKey = ''): T {
  if (depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const censored = censor(item, depth + 1, parentKey);
      if (censored !== item) (copy ??= [...value])[i] = censored;
    });
    return (copy ?? value) as T;
  }
  // An Error is censored after pino's serializer has made it plain (see logger.ts).
  if (!isPlainObject(value)) return value;
  let copy: Record<string, unknown> | undefined;
  const inMessage = parentKey === 'message';
  for (const key of Object.keys(value)) {
    const item = value[key];
    const sensitive = SENSITIVE.has(key.toLowerCase()) || (inMessage && SENSITIVE_IN_MESSAGE.has(key));
    const censored = sensitive ? CENSORED : censor(item, depth + 1, key);
    if (censored !== item) (copy ??= { ...value })[key] = censored;
  }
  return (copy ?? value) as T;
}
