import { Counter, Gauge, type Registry } from 'prom-client';

/** Open escalations as the database has them (all replicas), keyed `<tier>:<state>`. */
export type OpenEscalations = () => Promise<Record<string, number>>;

export interface AckMetrics {
  /** `first` is "true" for the acknowledgement that answered the event, "false" for a repeat. */
  readonly acknowledgements: Counter<'channel' | 'first'>;
  /** Tiers reached by this replica's escalation jobs. */
  readonly escalations: Counter<'tier'>;
  readonly smsOptOuts: Counter;
}

/** Registers the acknowledgement metrics on the worker's registry. No labels carry ids or names. */
export function createAckMetrics(registry: Registry, open: OpenEscalations | null): AckMetrics {
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) => new Counter<L>({ name, help, labelNames, registers: [registry] });
  new Gauge({
    name: 'wedsync_unacknowledged_messages',
    help: 'Messages under an escalation policy nobody acknowledged yet, by tier reached and state (waiting, exhausted)',
    labelNames: ['tier', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [key, n] of Object.entries((await open?.()) ?? {})) {
        const [tier = '0', state = 'waiting'] = key.split(':');
        this.set({ tier, state }, n);
      }
    },
  });
  return {
    acknowledgements: counter('wedsync_acknowledgements_total', 'Acknowledgements received, by channel; first="true" when it answered the event', ['channel', 'first']),
    escalations: counter('wedsync_escalations_total', 'Escalation tiers reached, by tier number', ['tier']),
    smsOptOuts: counter('wedsync_sms_opt_outs_total', 'STOP replies received', []),
  };
}
