import { parseArgs } from 'node:util';
import { DestinationBreaker, type BreakerRow } from '../deliver/durable/destination-breaker';
import { UsageError, withLedger, type Io } from './ledger-commands';

// The CLI never records a failure, the one thing the breaker's thresholds are read for.
const NO_FAILURES_RECORDED = { failureThreshold: 1, openForMs: 1, disableAfterMs: 1 };

function format(rows: readonly BreakerRow[]): string {
  if (rows.length === 0) return 'none\n';
  return `${rows.map((r) => [r.state.padEnd(8), r.destination, `failures=${r.consecutiveFailures}`, r.reason ?? ''].join('  ')).join('\n')}\n`;
}

/** `destinations list`: every destination with a history, disabled first; `destinations enable KEY`. */
export async function destinations(args: string[], io: Io): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, limit: { type: 'string', default: '200' }, 'queue-schema': { type: 'string', default: 'graphile_worker' } },
  });
  if (action === 'list') {
    const rows = await withLedger(io, values['queue-schema'], (_ledger, pool) => new DestinationBreaker(pool, NO_FAILURES_RECORDED).rows(Number(values.limit)));
    io.out(values.json ? `${JSON.stringify(rows, null, 2)}\n` : format(rows));
    return 0;
  }
  if (action === 'enable') {
    const [key] = positionals;
    if (!key || positionals.length !== 1) throw new UsageError('say which destination to enable, e.g. destinations enable slack:<organization id>');
    const enabled = await withLedger(io, values['queue-schema'], (_ledger, pool) => new DestinationBreaker(pool, NO_FAILURES_RECORDED).enable(key));
    io.out(enabled ? `enabled ${key}\n` : `no history for ${key}; nothing to enable\n`);
    return enabled ? 0 : 1;
  }
  throw new UsageError('usage: destinations list [--json] | destinations enable KEY');
}
