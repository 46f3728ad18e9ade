import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/lib/logger';

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A real pino logger whose lines are kept, parsed, for assertions. */
export function memoryLogger(level = 'debug'): { logger: Logger; lines: LogLine[]; text: () => string } {
  const raw: string[] = [];
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        raw.push(line);
        lines.push(JSON.parse(line) as LogLine);
      }
      callback();
    },
  });
  return { logger: createLogger({ level, destination: stream }), lines, text: () => raw.join('\n') };
}
