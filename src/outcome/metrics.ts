import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

/** Every metric the worker exposes, on a registry of its own (tests run several apps at once). */
export interface Metrics {
  readonly registry: Registry;
  readonly changesReceived: Counter<'table' | 'operation'>;
  readonly changesRejected: Counter<'reason'>;
  readonly changesDuplicate: Counter<'table'>;
  readonly changesRecovered: Counter;
  readonly deliveries: Counter<'channel' | 'outcome'>;
}

export function createMetrics({ processMetrics = true }: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    changesReceived: new Counter({
      name: 'wedsync_changes_received_total',
      help: 'Valid row changes accepted from intake',
      labelNames: ['table', 'operation'],
      registers: [registry],
    }),
    changesRejected: new Counter({
      name: 'wedsync_changes_rejected_total',
      help: 'Change payloads rejected by validation, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    changesDuplicate: new Counter({
      name: 'wedsync_changes_duplicate_total',
      help: 'Repeats of an already handled change, dropped',
      labelNames: ['table'],
      registers: [registry],
    }),
    changesRecovered: new Counter({
      name: 'wedsync_changes_recovered_total',
      help: 'Changes only a catch-up after a reconnect brought in (Realtime had lost them)',
      registers: [registry],
    }),
    deliveries: new Counter({
      name: 'wedsync_deliveries_total',
      help: 'Finished deliveries by channel and outcome (delivered, dead_letter, aborted)',
      labelNames: ['channel', 'outcome'],
      registers: [registry],
    }),
  };
}
