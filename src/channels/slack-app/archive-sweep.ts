import type { Pool } from 'pg';
import type { SlackAppConfig } from '../../config/slack-app.schema';
import type { Logger } from '../../lib/logger';
import type { SlackApps } from './slack-apps';
import { SLACK_AUTH_ERRORS } from './slack-apps';
import { slackErrorCode } from './slack-web-client';
import type { WeddingChannels } from './wedding-channels';

/** The graphile-worker task of the sweep, and its one job's key. */
export const SLACK_ARCHIVE_TASK = 'slack_archive_sweep';
export const SLACK_ARCHIVE_JOB_KEY = 'slack-archive-sweep';
/** Behind every delivery: graphile-worker runs lower numbers first. */
const JOB_PRIORITY = 100;

export interface ArchiveSweepInput {
  readonly pool: Pick<Pool, 'query'>;
  /** The queue's schema (graphile-worker's functions live there). */
  readonly queueSchema: string;
  readonly weddings: Pick<WeddingChannels, 'archiveFinished'>;
  readonly apps: Pick<SlackApps, 'forOrganization' | 'refused'>;
  readonly config: Pick<SlackAppConfig, 'archiveAfterDays' | 'archiveEveryMs'>;
  readonly logger: Logger;
  readonly now: () => number;
}

/**
 * The archive sweep of wedding channels as one recurring job in the durable queue: one job key,
 * so every replica asking for it at start makes one job, and graphile-worker runs it on one
 * replica at a time. Each run first queues the next (`archiveEveryMs` later by the database's
 * clock), so a failed sweep never ends the chain; the days after the wedding are counted with
 * the injected clock.
 */
export function createArchiveSweep(input: ArchiveSweepInput) {
  const gw = `"${input.queueSchema.replace(/"/g, '')}"`;
  const log = input.logger.child({ component: 'slack-archive' });
  const schedule = (delayMs: number, mode: 'preserve_run_at' | 'replace') =>
    input.pool.query(
      `select ${gw}.add_job($1, '{}'::json, run_at := now() + $2 * interval '1 millisecond', job_key := $3, job_key_mode := $4, max_attempts := 1, priority := ${JOB_PRIORITY})`,
      [SLACK_ARCHIVE_TASK, delayMs, SLACK_ARCHIVE_JOB_KEY, mode],
    );

  async function sweep(): Promise<{ archived: number; failed: number }> {
    await schedule(input.config.archiveEveryMs, 'replace');
    const result = await input.weddings.archiveFinished({
      nowMs: input.now(),
      afterDays: input.config.archiveAfterDays,
      clientFor: async (organizationId) => (await input.apps.forOrganization(organizationId))?.client ?? null,
      onError: async (row, error) => {
        const code = slackErrorCode(error);
        const app = code && SLACK_AUTH_ERRORS.has(code) ? await input.apps.forOrganization(row.organizationId) : null;
        if (app && code) await input.apps.refused(app, code);
        // The code only: an SDK error can carry its request, bot token included.
        log.warn({ weddingId: row.weddingId, organizationId: row.organizationId, code: code ?? (error instanceof Error ? error.name : 'error') }, 'slack channel not archived; the next sweep tries again');
      },
    });
    if (result.archived > 0 || result.failed > 0) log.info(result, 'slack wedding channels archived');
    return result;
  }

  return {
    /** At start, on every replica: the job exists; one already queued keeps its time. */
    ensureScheduled: async (): Promise<void> => {
      await schedule(0, 'preserve_run_at');
    },
    tasks: { [SLACK_ARCHIVE_TASK]: () => sweep() } as Readonly<Record<string, (payload: unknown) => Promise<unknown>>>,
    sweep,
  };
}
