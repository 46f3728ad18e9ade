import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino replaces with "[redacted]" wherever they appear. Code is written not to log secrets
 * at all; this list is the second line of defence for objects that carry them by accident.
 */
export const REDACT_PATHS = [
  'secret',
  'secrets',
  '*.secret',
  '*.secrets',
  'apiKey',
  '*.apiKey',
  'authToken',
  '*.authToken',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  '*.headers["webhook-signature"]',
  'serviceRoleKey',
  '*.serviceRoleKey',
  'SUPABASE_SERVICE_ROLE_KEY',
  '*.SUPABASE_SERVICE_ROLE_KEY',
  'DATABASE_URL',
  '*.DATABASE_URL',
  'REDIS_URL',
  '*.REDIS_URL',
  // Personal data, should an object carrying it ever be logged whole.
  'email',
  '*.email',
  'phone',
  '*.phone',
  'webhookUrl',
  '*.webhookUrl',
  'message.to',
  'message.url',
];

export interface LoggerSettings {
  readonly level: string;
  /** Defaults to stdout. Tests pass a stream to read the lines back. */
  readonly destination?: DestinationStream;
}

/** One JSON object a line, stable field names; no exported instance (inject it). */
export function createLogger({ level, destination }: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'wedsync-realtime-worker' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err },
  };
  return destination ? pino(options, destination) : pino(options);
}
