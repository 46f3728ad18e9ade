import type { Pool } from 'pg';
import type { SlackAppConfig } from '../../config/slack-app.schema';
import type { ConnectionSummary } from '../../connections/connection';
import type { ConnectionStore } from '../../connections/connection-store';
import type { ContextRepository } from '../../context/event-context';
import type { AckLinkFor } from '../../lib/ack-token';
import type { Logger } from '../../lib/logger';
import type { Channel } from '../channel';
import type { SlackMessage } from '../messages';
import { createArchiveSweep } from './archive-sweep';
import { createSlackAppChannel } from './slack-app-channel';
import { createSlackApps, type SlackApps } from './slack-apps';
import { slackInvitees } from './slack-invitees';
import { createWeddingChannels } from './wedding-channels';

export interface SlackAppSystemInput {
  readonly pool: Pool;
  /** The queue's pool and schema: the archive sweep is a job there. */
  readonly jobPool: Pool;
  readonly queueSchema: string;
  /** The sealed connections (the partner system's store). */
  readonly store: Pick<ConnectionStore, 'openEnabled' | 'stop'>;
  readonly contexts: Pick<ContextRepository, 'resolve'>;
  /** The incoming-webhook channel, for organizations without the app and messages about no wedding. */
  readonly webhook: Channel<SlackMessage>;
  readonly config: SlackAppConfig;
  readonly apiUrl?: string;
  readonly ack?: { readonly link: AckLinkFor; readonly slackInteractive: boolean };
  readonly logger: Logger;
  readonly now: () => number;
  readonly onStopped?: (connection: ConnectionSummary, reason: string) => void;
}

/**
 * Slack as an app per organization, wired in one place for app.ts: the clients from the sealed
 * connections (also what the acknowledgement route's message updater reads), the channel that
 * posts to a wedding's own channel, and the archive sweep's job.
 */
export function createSlackAppSystem(input: SlackAppSystemInput): {
  readonly channel: Channel<SlackMessage>;
  readonly apps: Pick<SlackApps, 'forOrganization' | 'refused'>;
  readonly tasks: Readonly<Record<string, (payload: unknown) => Promise<unknown>>>;
  ensureScheduled(): Promise<void>;
  clientsHeld(): number;
} {
  const log = input.logger.child({ component: 'slack-app' });
  const apps = createSlackApps({
    store: input.store,
    logger: log,
    maxEntries: input.config.clientsMaxEntries,
    ttlMs: input.config.clientsTtlMs,
    ...(input.apiUrl ? { apiUrl: input.apiUrl } : {}),
    ...(input.onStopped ? { onStopped: input.onStopped } : {}),
  });
  const weddings = createWeddingChannels({
    pool: input.pool,
    onInviteFailed: (wedding, code) => log.warn({ weddingId: wedding.id, organizationId: wedding.organizationId, code }, "slack: the organization's people were not invited to the wedding channel"),
  });
  const channel = createSlackAppChannel({
    webhook: input.webhook,
    weddings,
    apps,
    invitees: slackInvitees(input.contexts),
    ...(input.ack ? { ackLink: input.ack.link, interactive: input.ack.slackInteractive } : {}),
  });
  const sweep = createArchiveSweep({ pool: input.jobPool, queueSchema: input.queueSchema, weddings, apps, config: input.config, logger: log, now: input.now });
  return { channel, apps, tasks: sweep.tasks, ensureScheduled: sweep.ensureScheduled, clientsHeld: apps.size };
}
