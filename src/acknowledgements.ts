import type { Pool } from 'pg';
import { ackLinkRoutes } from './ack/ack-link-route';
import { AckStore, type AckResult } from './ack/ack-store';
import { slackInteractionsRoute } from './ack/slack-interactions-route';
import { createSlackUpdater } from './ack/slack-updater';
import type { SlackApps } from './channels/slack-app/slack-apps';
import { twilioInboundRoute } from './ack/twilio-inbound-route';
import type { Config } from './config/load-config';
import type { Delivery } from './decide/delivery';
import { DeliveryLedger } from './deliver/durable/delivery-ledger';
import { startAckRetention } from './escalation/ack-retention';
import { createEscalationTask } from './escalation/escalation-task';
import { createEscalationTracker } from './escalation/escalation-tracker';
import { ESCALATE_TASK, EscalationStore } from './escalation/escalation-store';
import { createAckTokens } from './lib/ack-token';
import type { Logger } from './lib/logger';
import { createAckMetrics } from './outcome/ack-metrics';
import { createPublicServer, type PublicRoute, type PublicServer } from './outcome/public-server';
import type { Metrics } from './outcome/metrics';
import type { UnacknowledgedView } from './outcome/status-snapshot';

export interface Acknowledgements {
  /** Arms escalation timers for planned deliveries a policy covers; before they are queued. */
  track(deliveries: readonly Delivery[]): Promise<number>;
  /** Jobs for the durable queue's runner. */
  readonly tasks: Readonly<Record<string, (payload: unknown) => Promise<unknown>>>;
  /** The public listener, when PUBLIC_PORT is set. */
  readonly publicServer: PublicServer | null;
  /** Starts pruning old acknowledgements; returns its stop. */
  startRetention(): () => Promise<void>;
  /** For /status: unanswered messages, their age and tier, no content. */
  unacknowledged(): Promise<readonly UnacknowledgedView[]>;
}

/**
 * Wires acknowledgements and escalation (issue 15): the routes people and vendors answer on, the
 * escalation timers in the queue, and their metrics. Without a database there is nothing to
 * record into, so nothing is built. `extraRoutes` are other public routes (OAuth callbacks).
 */
export function createAcknowledgements(input: {
  readonly config: Config;
  readonly pool: Pool | null;
  readonly jobPool: Pool | null;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly now: () => number;
  readonly extraRoutes?: readonly PublicRoute[];
  /** Each organization's Slack app: an acknowledged message is rewritten with its bot token. */
  readonly slackApps?: Pick<SlackApps, 'forOrganization' | 'refused'> | null;
}): Acknowledgements {
  const { config, pool, logger, now } = input;
  const { env, worker } = config;
  const escalations = new EscalationStore(worker.queue.schema);
  const ackMetrics = createAckMetrics(input.metrics.registry, pool ? () => escalations.openByTier(pool) : null);
  if (!pool) return { track: async () => 0, tasks: {}, publicServer: null, startRetention: () => async () => undefined, unacknowledged: async () => [] };
  const jobPool = input.jobPool ?? pool;
  const store = new AckStore(pool, escalations);
  const dayMode = worker.preferences.weddingDayMode;
  const log = logger.child({ component: 'acks' });
  const runEscalation = createEscalationTask({
    pool: jobPool,
    store: escalations,
    ledger: new DeliveryLedger(jobPool, worker.queue.schema),
    config: worker.escalation,
    dayMode,
    logger: log,
    now,
    onEscalated: (tier) => ackMetrics.escalations.inc({ tier: String(tier) }),
  });
  const onAck = (result: AckResult) => ackMetrics.acknowledgements.inc({ channel: result.ack.channel, first: String(result.recorded) });

  const routes: PublicRoute[] = [...(input.extraRoutes ?? [])];
  const tokens = env.ACK_LINK_KEY ? createAckTokens(Buffer.from(env.ACK_LINK_KEY, 'base64')) : null;
  if (tokens) routes.push(...ackLinkRoutes({ tokens, store, logger: log, now, onAck }));
  if (tokens && env.SLACK_SIGNING_SECRET) {
    routes.push(slackInteractionsRoute({ signingSecret: env.SLACK_SIGNING_SECRET, tokens, store, updater: input.slackApps ? createSlackUpdater(input.slackApps) : null, logger: log, now, onAck }));
  }
  if (env.TWILIO_AUTH_TOKEN && env.PUBLIC_BASE_URL) {
    routes.push(twilioInboundRoute({ authToken: env.TWILIO_AUTH_TOKEN, publicBaseUrl: env.PUBLIC_BASE_URL, store, logger: log, now, onAck, onOptOut: () => ackMetrics.smsOptOuts.inc() }));
  }
  const publicServer =
    env.PUBLIC_PORT !== undefined
      ? createPublicServer({ host: env.PUBLIC_HOST, port: env.PUBLIC_PORT, routes, onError: (error) => log.warn({ err: error }, 'public request failed') })
      : null;

  return {
    track: createEscalationTracker({ db: pool, store: escalations, config: worker.escalation, dayMode, now }),
    tasks: { [ESCALATE_TASK]: runEscalation },
    publicServer,
    startRetention: () => startAckRetention(pool, worker.retention, log, now),
    async unacknowledged() {
      const rows = await escalations.unacknowledged(pool);
      const nowMs = now();
      return rows.map((r) => ({
        eventId: r.eventId,
        kind: r.kind,
        policy: r.policy,
        tier: r.tier,
        state: r.state,
        createdAt: new Date(r.createdAtMs).toISOString(),
        ageMs: Math.max(0, nowMs - r.createdAtMs),
        nextAt: r.nextAtMs === null ? null : new Date(r.nextAtMs).toISOString(),
      }));
    },
  };
}
