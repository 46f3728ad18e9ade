import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { censor } from './log-censor';

export type { Logger } from 'pino';

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
    formatters: {
      level: (label) => ({ level: label }),
      log: (fields) => censor(fields),
    },
    serializers: { err: (error: Error) => censor(pino.stdSerializers.err(error)) },
  };
  const logger = destination ? pino(options, destination) : pino(options);
  // pino applies no formatter to a child's bindings; children inherit this from the root.
  const child = logger.child;
  logger.child = function censoredChild(this: Logger, bindings, childOptions) {
    return child.call(this, censor(bindings), childOptions);
  } as Logger['child'];
  return logger;
}
