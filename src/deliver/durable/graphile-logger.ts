import { Logger as GraphileLogger } from 'graphile-worker';
import type { Logger } from '../../lib/logger';

/** graphile-worker's log lines through pino, scoped, its chatter at debug. */
export function graphileLogger(logger: Logger): GraphileLogger {
  const log = logger.child({ component: 'queue' });
  return new GraphileLogger((scope) => (level, message, meta) => {
    const fields = { ...scope, ...meta };
    if (level === 'error') log.error(fields, message);
    else if (level === 'warning') log.warn(fields, message);
    else log.debug(fields, message);
  });
}
