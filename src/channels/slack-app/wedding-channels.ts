import type { WebClient } from '@slack/web-api';
import type { Pool } from 'pg';
import { PermanentDeliveryError } from '../errors';
import { slackErrorCode } from './slack-web-client';
import { weddingChannelName } from './wedding-channel-name';

export interface WeddingRef {
  readonly id: string;
  readonly organizationId: string;
  /** Local date, YYYY-MM-DD. */
  readonly date: string;
}

export interface WeddingChannelsOptions {
  readonly pool: Pick<Pool, 'connect' | 'query'>;
  readonly slack: WebClient;
  /** Slack user ids invited to every new wedding channel (the organization's people). */
  readonly inviteUserIds?: readonly string[];
  readonly namePrefix?: string;
}

/** Pages of conversations.list read when looking for a taken name (200 channels a page). */
const MAX_LIST_PAGES = 10;

/**
 * The Slack channel of each wedding, created on its first message and kept in
 * `wedding_slack_channels` (migration 0019). Two replicas deciding at the same moment create it
 * once: creation holds a transaction-scoped advisory lock on the wedding, and the row is written
 * before the lock goes, so the second caller waits, then reads the first one's channel. A crash
 * after Slack created it but before the row was written leaves a channel Slack calls
 * `name_taken`: it is found by name and reused, not an error.
 */
export function createWeddingChannels(options: WeddingChannelsOptions) {
  const { pool, slack } = options;
  const invitees = [...new Set(options.inviteUserIds ?? [])].slice(0, 100); // conversations.invite takes at most 100

  /** undefined: no row yet; null: the channel was archived after the wedding (post elsewhere). */
  async function stored(db: Pick<Pool, 'query'>, wedding: WeddingRef): Promise<string | null | undefined> {
    const { rows } = await db.query<{ channel_id: string; archived_at: Date | null }>(`select channel_id, archived_at from wedding_slack_channels where wedding_id = $1`, [wedding.id]);
    if (!rows[0]) return undefined;
    return rows[0].archived_at ? null : rows[0].channel_id;
  }

  async function findByName(name: string): Promise<string | null> {
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page += 1) {
      const listed = await slack.conversations.list({ types: 'public_channel', exclude_archived: true, limit: 200, ...(cursor ? { cursor } : {}) });
      const found = listed.channels?.find((c) => c.name === name);
      if (found?.id) return found.id;
      cursor = listed.response_metadata?.next_cursor || undefined;
      if (!cursor) return null;
    }
    return null;
  }

  async function createOrReuse(name: string): Promise<string> {
    try {
      const created = await slack.conversations.create({ name, is_private: false });
      if (created.channel?.id) return created.channel.id;
      throw new Error('slack conversations.create answered without a channel id');
    } catch (error) {
      if (slackErrorCode(error) !== 'name_taken') throw error;
      const existing = await findByName(name);
      // Taken by an archived channel (or one we cannot see): a person must rename or unarchive it.
      // Permanent (README): every attempt would find the same name taken until someone acts.
      if (!existing) throw new PermanentDeliveryError(`slack channel name ${name} is taken by a channel the app cannot use`, undefined, { cause: error });
      return existing;
    }
  }

  async function invite(channel: string): Promise<void> {
    if (invitees.length === 0) return;
    try {
      await slack.conversations.invite({ channel, users: invitees.join(',') });
    } catch (error) {
      // Everyone already there (a reused channel, a re-run) is success.
      if (slackErrorCode(error) !== 'already_in_channel') throw error;
    }
  }

  return {
    /**
     * The wedding's channel id, creating it (once, across replicas) when it has none; null when
     * its channel was archived (a late message goes to the organization's webhook instead).
     */
    async ensure(wedding: WeddingRef): Promise<string | null> {
      const known = await stored(pool, wedding);
      if (known !== undefined) return known;
      const client = await pool.connect();
      try {
        await client.query('begin');
        await client.query(`select pg_advisory_xact_lock(hashtextextended('wedsync:wedding-slack-channel:' || $1, 0))`, [wedding.id]);
        const again = await stored(client, wedding);
        if (again !== undefined) {
          await client.query('commit');
          return again;
        }
        const name = weddingChannelName(wedding, options.namePrefix);
        const channel = await createOrReuse(name);
        await invite(channel);
        await client.query(
          `insert into wedding_slack_channels (wedding_id, organization_id, channel_id, channel_name, wedding_date) values ($1, $2, $3, $4, $5) on conflict (wedding_id) do nothing`,
          [wedding.id, wedding.organizationId, channel, name, wedding.date],
        );
        await client.query('commit');
        return channel;
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },

    /**
     * Archives the channels of weddings more than `afterDays` past (by the injected clock), a
     * bounded batch per call; `already_archived` counts as done. Returns how many were archived.
     */
    async archiveFinished(nowMs: number, afterDays: number, limit = 50): Promise<number> {
      const cutoff = new Date(nowMs - afterDays * 86_400_000).toISOString().slice(0, 10);
      const { rows } = await pool.query<{ wedding_id: string; channel_id: string }>(
        `select wedding_id, channel_id from wedding_slack_channels where archived_at is null and wedding_date < $1::date order by wedding_date limit $2`,
        [cutoff, limit],
      );
      let archived = 0;
      for (const row of rows) {
        try {
          await slack.conversations.archive({ channel: row.channel_id });
        } catch (error) {
          const code = slackErrorCode(error);
          if (code !== 'already_archived' && code !== 'channel_not_found') throw error;
        }
        await pool.query(`update wedding_slack_channels set archived_at = $2 where wedding_id = $1`, [row.wedding_id, new Date(nowMs).toISOString()]);
        archived += 1;
      }
      return archived;
    },
  };
}

export type WeddingChannels = ReturnType<typeof createWeddingChannels>;
