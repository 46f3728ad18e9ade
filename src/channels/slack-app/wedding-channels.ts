import type { WebClient } from '@slack/web-api';
import type { Pool } from 'pg';
import { createOrReuseChannel } from './channel-by-name';
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
  /** The invitation failed (its Slack code, or the error's class): the channel is kept regardless. */
  readonly onInviteFailed?: (wedding: WeddingRef, code: string) => void;
}

/** The organization's install a channel is made with. */
export interface WeddingChannelApp {
  readonly client: WebClient;
  /** Slack user ids of the organization's people, invited to a new channel; read only on creation. */
  readonly invitees: () => Promise<readonly string[]>;
  readonly namePrefix?: string;
}

/** conversations.invite takes up to 1,000 ids (100 in older docs): the lower bound is safe. */
const MAX_INVITEES = 100;

/**
 * The Slack channel of each wedding, created on its first message and kept in
 * `wedding_slack_channels` (migration 0019). Two replicas deciding at the same moment create it
 * once: creation holds a transaction-scoped advisory lock on the wedding, and the row is written
 * before the lock goes, so the second caller waits, then reads the first one's channel. A crash
 * after Slack created it but before the row was written leaves a channel Slack calls
 * `name_taken`: it is found by name and reused, not an error (an archived one is unarchived,
 * or a suffixed name used: channel-by-name.ts).
 */
export function createWeddingChannels(options: WeddingChannelsOptions) {
  const { pool } = options;

  /** undefined: no row yet; null: the channel was archived after the wedding (post elsewhere). */
  async function stored(db: Pick<Pool, 'query'>, wedding: WeddingRef): Promise<string | null | undefined> {
    const { rows } = await db.query<{ channel_id: string; archived_at: Date | null }>(`select channel_id, archived_at from wedding_slack_channels where wedding_id = $1`, [wedding.id]);
    if (!rows[0]) return undefined;
    return rows[0].archived_at ? null : rows[0].channel_id;
  }

  /** The invitees, read before the lock is taken: the read needs a connection of the same pool. */
  async function peopleOf(wedding: WeddingRef, app: WeddingChannelApp): Promise<readonly string[]> {
    try {
      return [...new Set(await app.invitees())].slice(0, MAX_INVITEES);
    } catch (error) {
      options.onInviteFailed?.(wedding, error instanceof Error ? error.name : 'error');
      return [];
    }
  }

  /**
   * Never fails the channel: a channel without its people still carries the message, while a
   * failed creation would be retried into `name_taken` and the same failed invitation forever.
   */
  async function invite(slack: WebClient, wedding: WeddingRef, channel: string, invitees: readonly string[]): Promise<void> {
    if (invitees.length === 0) return;
    try {
      // force: a stale id among them (someone left the workspace) does not keep the others out.
      await slack.conversations.invite({ channel, users: invitees.join(','), force: true });
    } catch (error) {
      const code = slackErrorCode(error);
      // Everyone already there (a reused channel, a re-run) is success.
      if (code !== 'already_in_channel') options.onInviteFailed?.(wedding, code ?? (error instanceof Error ? error.name : 'error'));
    }
  }

  return {
    /**
     * The wedding's channel id, creating it (once, across replicas) when it has none; null when
     * its channel was archived (a late message goes to the organization's webhook instead).
     */
    async ensure(wedding: WeddingRef, app: WeddingChannelApp): Promise<string | null> {
      const known = await stored(pool, wedding);
      if (known !== undefined) return known;
      // Not inside the transaction: holding a connection while waiting for another of the same
      // pool would deadlock once every connection is held that way (many new weddings at once).
      const invitees = await peopleOf(wedding, app);
      const client = await pool.connect();
      try {
        await client.query('begin');
        await client.query(`select pg_advisory_xact_lock(hashtextextended('wedsync:wedding-slack-channel:' || $1, 0))`, [wedding.id]);
        const again = await stored(client, wedding);
        if (again !== undefined) {
          await client.query('commit');
          return again;
        }
        const channel = await createOrReuseChannel(app.client, weddingChannelName(wedding, app.namePrefix));
        await invite(app.client, wedding, channel.id, invitees);
        await client.query(
          `insert into wedding_slack_channels (wedding_id, organization_id, channel_id, channel_name, wedding_date) values ($1, $2, $3, $4, $5) on conflict (wedding_id) do nothing`,
          [wedding.id, wedding.organizationId, channel.id, channel.name, wedding.date],
        );
        await client.query('commit');
        return channel.id;
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },

    /**
     * Archives the channels of weddings more than `afterDays` past (by the injected clock), a
     * bounded batch per call, each with its organization's client; `already_archived` counts as
     * done. Only organizations with an enabled Slack connection are read: without a token nothing
     * can be archived, and their rows must not fill every batch. One channel failing is reported
     * and skipped (it comes back next sweep); the others go on.
     */
    async archiveFinished(input: {
      readonly nowMs: number;
      readonly afterDays: number;
      readonly clientFor: (organizationId: string) => Promise<WebClient | null>;
      readonly onError: (row: { weddingId: string; organizationId: string }, error: unknown) => void | Promise<void>;
      readonly limit?: number;
    }): Promise<{ archived: number; failed: number }> {
      const cutoff = new Date(input.nowMs - input.afterDays * 86_400_000).toISOString().slice(0, 10);
      const { rows } = await pool.query<{ wedding_id: string; organization_id: string; channel_id: string }>(
        `select w.wedding_id, w.organization_id, w.channel_id from wedding_slack_channels w
         where w.archived_at is null and w.wedding_date < $1::date
           and exists (select 1 from partner_connections p where p.organization_id = w.organization_id and p.partner = 'slack' and p.enabled)
         order by w.wedding_date limit $2`,
        [cutoff, input.limit ?? 50],
      );
      let archived = 0;
      let failed = 0;
      for (const row of rows) {
        try {
          const slack = await input.clientFor(row.organization_id);
          if (!slack) continue;
          try {
            await slack.conversations.archive({ channel: row.channel_id });
          } catch (error) {
            const code = slackErrorCode(error);
            if (code !== 'already_archived' && code !== 'channel_not_found') throw error;
          }
          await pool.query(`update wedding_slack_channels set archived_at = $2 where wedding_id = $1`, [row.wedding_id, new Date(input.nowMs).toISOString()]);
          archived += 1;
        } catch (error) {
          failed += 1;
          await input.onError({ weddingId: row.wedding_id, organizationId: row.organization_id }, error);
        }
      }
      return { archived, failed };
    },
  };
}

export type WeddingChannels = ReturnType<typeof createWeddingChannels>;
