import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createSlackWebClient } from '../../src/channels/slack-app/slack-web-client';
import { weddingChannelName } from '../../src/channels/slack-app/wedding-channel-name';
import { createWeddingChannels, type WeddingRef } from '../../src/channels/slack-app/wedding-channels';
import { SlackApiFake } from '../support/fakes/slack-api-fake';
import { memoryLogger } from '../support/memory-log';
import { createTestSchema, type TestSchema } from '../support/test-db';

// A wedding's channel name already held by an archived channel (archived by a person, or left
// archived with its row lost). Slack documents that bot tokens cannot unarchive; a workspace of
// the fake lets its bot, as Slack would if that changes, to show the reuse.
let db: TestSchema;
let slackApi: SlackApiFake;
let unarchiving: { team: string; token: string };
const INVITEES = ['U0PLANNER1'];

beforeAll(async () => {
  [db, slackApi] = await Promise.all([createTestSchema('slackarch'), new SlackApiFake().start()]);
  unarchiving = slackApi.addWorkspace('T0UNARCH01');
  slackApi.letBotUnarchive(unarchiving.team);
});
afterAll(async () => {
  await db.drop();
  await slackApi.close();
});

const ensure = (w: WeddingRef, token: string) =>
  createWeddingChannels({ pool: db.pool }).ensure(w, { client: createSlackWebClient({ token, apiUrl: slackApi.apiUrl, logger: memoryLogger().logger, retries: 0 }), invitees: async () => INVITEES });
const wedding = (): WeddingRef => ({ id: randomUUID(), organizationId: randomUUID(), date: '2026-06-27' });
const row = async (id: string) => (await db.pool.query<{ channel_id: string; channel_name: string }>(`select channel_id, channel_name from wedding_slack_channels where wedding_id = $1`, [id])).rows[0];
const refusals = (method: string) => slackApi.rejected.filter((r) => r.request.path === `/api/${method}`).map((r) => r.problems);

describe("a wedding channel name held by an archived channel", () => {
  it('is unarchived with the bot token and reused: no second channel, the people invited', async () => {
    const w = wedding();
    const archived = slackApi.addChannel(weddingChannelName(w), true, unarchiving.team);
    expect(await ensure(w, unarchiving.token)).toBe(archived.id);
    expect(slackApi.calls('conversations.unarchive').map((c) => [c.team, c.args.channel])).toEqual([[unarchiving.team, archived.id]]);
    expect(archived.archived).toBe(false);
    expect(await row(w.id)).toEqual({ channel_id: archived.id, channel_name: archived.name });
    expect([...archived.members]).toEqual(INVITEES);
    expect([...slackApi.channels.values()].filter((c) => c.team === unarchiving.team)).toHaveLength(1);
  });

  it("where Slack refuses the bot (not_in_channel, as it documents), a suffixed name is created instead", async () => {
    const w = wedding();
    const name = weddingChannelName(w);
    const archived = slackApi.addChannel(name, true);
    const id = await ensure(w, slackApi.botToken);
    expect(refusals('conversations.unarchive').at(-1)).toEqual([`a bot token cannot unarchive ${archived.id}`]);
    expect(archived.archived).toBe(true);
    expect(id).not.toBe(archived.id);
    expect(slackApi.channels.get(id!)).toMatchObject({ name: `${name}-2`, archived: false });
    expect(await row(w.id)).toEqual({ channel_id: id, channel_name: `${name}-2` });
  });

  it('a retry after a crash before the row finds the suffixed channel again, without creating a third', async () => {
    const w = wedding();
    const name = weddingChannelName(w);
    slackApi.addChannel(name, true);
    const left = slackApi.addChannel(`${name}-2`);
    const creates = slackApi.calls('conversations.create').length;
    expect(await ensure(w, slackApi.botToken)).toBe(left.id);
    expect(slackApi.calls('conversations.create').length).toBe(creates);
  });

  it("the fake answers unarchive as Slack does: not_archived for a live channel, channel_not_found for another workspace's", async () => {
    const live = slackApi.addChannel('live-one', false, unarchiving.team);
    const client = createSlackWebClient({ token: unarchiving.token, apiUrl: slackApi.apiUrl, logger: memoryLogger().logger, retries: 0 });
    await expect(client.conversations.unarchive({ channel: live.id })).rejects.toMatchObject({ data: { ok: false, error: 'not_archived' } });
    const elsewhere = slackApi.addChannel('elsewhere', true);
    await expect(client.conversations.unarchive({ channel: elsewhere.id })).rejects.toMatchObject({ data: { ok: false, error: 'channel_not_found' } });
    const listed = await client.conversations.list({ exclude_archived: false });
    expect(listed.channels?.find((c) => c.name === 'live-one')?.is_archived).toBe(false);
  });
});
