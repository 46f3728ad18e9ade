import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { SLACK_ARCHIVE_JOB_KEY, SLACK_ARCHIVE_TASK } from '../../src/channels/slack-app/archive-sweep';
import { keyEntry } from '../support/connection-keys';
import { SlackApiFake } from '../support/fakes/slack-api-fake';
import { insertOrganization } from '../support/fixtures';
import { slackConnections } from '../support/slack-connection';
import { startStack, type Stack } from '../support/start-stack';
import { waitFor } from '../support/wait-for';

const CONNECTION_KEYS = keyEntry('k1');
const DAY = 86_400_000;
/** The worker's injected clock runs 30 days ahead: only it, not the database's, can make these weddings "past". */
const AHEAD_MS = 30 * DAY;
const AFTER_DAYS = 3;
const EVERY_MS = 3_600_000;
let s: Stack;
let slackApi: SlackApiFake;

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const sweepJobs = () =>
  s.db.pool.query<{ key: string | null; due_in_ms: number; locked: boolean }>(
    `select key, (extract(epoch from (run_at - now())) * 1000)::float8 as due_in_ms, locked_at is not null as locked from "${s.db.schema}_gw".jobs where task_identifier = $1`,
    [SLACK_ARCHIVE_TASK],
  );

beforeAll(async () => {
  slackApi = await new SlackApiFake().start();
  s = await startStack({ now: () => Date.now() + AHEAD_MS, env: { CONNECTION_KEYS, SLACK_API_URL: slackApi.apiUrl }, worker: { slackApp: { archiveAfterDays: AFTER_DAYS, archiveEveryMs: EVERY_MS } } });
  await s.addReplica();
});
afterAll(async () => {
  await s.close();
  await slackApi.close();
});

describe('the archive sweep of wedding channels, scheduled in the queue, two replicas', () => {
  it('both replicas asked for it at start: one job; when it runs it archives a channel N days after its wedding, once, and queues the next run', async () => {
    // Both replicas have started and scheduled: one job, whichever ran first.
    await waitFor(async () => (await sweepJobs()).rows.some((j) => j.key === SLACK_ARCHIVE_JOB_KEY && !j.locked), { what: 'the sweep job queued' });
    expect((await sweepJobs()).rows.filter((j) => j.key === SLACK_ARCHIVE_JOB_KEY)).toHaveLength(1);

    const org = await insertOrganization(s.db.pool);
    await slackConnections(s.db.pool, CONNECTION_KEYS).add(org, slackApi.botToken, { weddingChannels: true });
    const nowMs = Date.now() + AHEAD_MS;
    const done = { wedding: randomUUID(), date: isoDate(nowMs - (AFTER_DAYS + 2) * DAY), channel: slackApi.addChannel('wedding-done') };
    const recent = { wedding: randomUUID(), date: isoDate(nowMs - (AFTER_DAYS - 1) * DAY), channel: slackApi.addChannel('wedding-recent') };
    for (const w of [done, recent]) {
      await s.db.pool.query(`insert into wedding_slack_channels (wedding_id, organization_id, channel_id, channel_name, wedding_date) values ($1, $2, $3, $4, $5)`, [w.wedding, org, w.channel.id, w.channel.name, w.date]);
    }
    // The hour passes: the queued sweep is due now (graphile-worker compares with the database's clock).
    await s.db.pool.query(`update "${s.db.schema}_gw"._private_jobs set run_at = now() where key = $1`, [SLACK_ARCHIVE_JOB_KEY]);

    await waitFor(async () => (await s.db.pool.query(`select 1 from wedding_slack_channels where wedding_id = $1 and archived_at is not null`, [done.wedding])).rowCount === 1, { timeoutMs: 20_000, what: 'the finished wedding archived' });
    // The run queued its successor about archiveEveryMs ahead before sweeping.
    const [next] = await waitFor(async () => {
      const rows = (await sweepJobs()).rows.filter((j) => j.key === SLACK_ARCHIVE_JOB_KEY && !j.locked);
      return rows.length === 1 && rows[0]!.due_in_ms > EVERY_MS - 60_000 ? rows : null;
    }, { what: 'the next sweep queued' });
    expect(next!.due_in_ms).toBeLessThanOrEqual(EVERY_MS);
    expect(slackApi.calls('conversations.archive').map((c) => c.args.channel)).toEqual([done.channel.id]);
    expect(done.channel.archived).toBe(true);
    expect(recent.channel.archived).toBe(false);
    expect((await s.db.pool.query(`select archived_at from wedding_slack_channels where wedding_id = $1`, [recent.wedding])).rows[0]).toEqual({ archived_at: null });
  }, 60_000);
});
