import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Channel } from '../../src/channels/channel';
import type { DeliveryMessage, SlackMessage } from '../../src/channels/messages';
import { createSlackAppChannel } from '../../src/channels/slack-app/slack-app-channel';
import type { SlackApp } from '../../src/channels/slack-app/slack-apps';
import { createSlackWebClient } from '../../src/channels/slack-app/slack-web-client';
import { weddingChannelName } from '../../src/channels/slack-app/wedding-channel-name';
import { createWeddingChannels } from '../../src/channels/slack-app/wedding-channels';
import { attemptDelivery, describeFailure } from '../../src/deliver/attempt';
import { createRateLimiter } from '../../src/deliver/rate-limiter';
import { deliveryOf } from '../support/delivery-factory';
import { SlackApiFake } from '../support/fakes/slack-api-fake';
import { memoryLogger } from '../support/memory-log';
import { sampleContent } from '../support/notification-content';
import { createTestSchema, type TestSchema } from '../support/test-db';

let db: TestSchema;
let slackApi: SlackApiFake;
beforeAll(async () => {
  [db, slackApi] = await Promise.all([createTestSchema('slacktaken'), new SlackApiFake().start()]);
});
afterAll(async () => {
  await db.drop();
  await slackApi.close();
});

describe("a wedding's Slack channel names all taken by channels the app cannot use", () => {
  it('fail the message permanently on its first attempt, as the README says, instead of along the ladder', async () => {
    const wedding = { id: randomUUID(), organizationId: randomUUID(), date: '2026-06-27' };
    // Archived, and a bot may not unarchive (Slack's docs): the name and its -2 … -4 alternatives.
    const name = weddingChannelName(wedding);
    for (const taken of [name, `${name}-2`, `${name}-3`, `${name}-4`]) slackApi.addChannel(taken, true);
    const { logger } = memoryLogger();
    const slack = createSlackWebClient({ token: slackApi.botToken, apiUrl: slackApi.apiUrl, logger });
    const webhook: Channel<SlackMessage> = { kind: 'slack', send: () => Promise.reject(new Error('not this way')) };
    const apps = { forOrganization: () => Promise.resolve({ connection: {} as SlackApp['connection'], client: slack, weddingChannels: true }), refused: () => Promise.resolve() };
    const channel = createSlackAppChannel({ webhook, weddings: createWeddingChannels({ pool: db.pool }), apps, invitees: () => Promise.resolve([]) }) as Channel<DeliveryMessage>;
    const content = sampleContent({ wedding: { id: wedding.id, coupleName: 'Ana & Ben', date: wedding.date, timeZone: 'Europe/Lisbon' }, organization: { id: wedding.organizationId, name: 'Bloom' } });
    const limiter = createRateLimiter({ max: null, perMs: 1_000, maxConcurrent: 1 });
    const attempts: number[] = [];
    const signal = new AbortController().signal;
    const error = await attemptDelivery(deliveryOf({ channel: 'slack', webhookUrl: 'https://hooks.slack.com/services/T/B/x', content }), {
      channels: { slack: channel },
      limiter,
      retry: { attempts: 3, minDelayMs: 1, maxDelayMs: 1, factor: 1, maxRetryAfterMs: 1 },
      signal,
      log: logger,
      now: Date.now,
      onAttempt: (n) => attempts.push(n),
    }).catch((e: unknown) => e);
    await limiter.stop();

    expect(attempts).toEqual([1]);
    expect(describeFailure(error, signal)).toMatchObject({ kind: 'permanent', message: expect.stringMatching(/^slack channel names wedding-2026-06-27-[0-9a-f]{8} to wedding-2026-06-27-[0-9a-f]{8}-4 are all taken by channels the app cannot use$/) });
  });
});
