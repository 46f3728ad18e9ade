import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Agent } from 'undici';
import { createSlackChannel } from '../../src/channels/slack/slack-channel';
import { createMemoryDeadLetterSink } from '../../src/deliver/dead-letters';
import { DestinationHealth } from '../../src/deliver/destinations';
import { Dispatcher } from '../../src/deliver/dispatcher';
import { createRateLimiter } from '../../src/deliver/rate-limiter';
import { contentOf, deliveryOf } from '../support/delivery-factory';
import { SlackFake } from '../support/fakes/slack-fake';
import { memoryLogger } from '../support/memory-log';
import { waitFor } from '../support/wait-for';

const slack = new SlackFake();
const agent = new Agent();
beforeAll(() => slack.start());
afterAll(async () => {
  await agent.close();
  await slack.close();
});

describe('priority within a rate limit', () => {
  it('sends a critical Slack message in the next slot, ahead of 200 normal ones queued behind 1 a second', async () => {
    const hook = slack.hookUrl();
    const limiter = createRateLimiter({ max: 1, perMs: 1_000, maxConcurrent: 1 });
    const dispatcher = new Dispatcher({
      channels: { slack: createSlackChannel({ http: agent }) },
      limiterFor: () => limiter,
      retry: { attempts: 1, minDelayMs: 0, maxDelayMs: 1, factor: 1, maxRetryAfterMs: 1 },
      deadLetters: createMemoryDeadLetterSink(),
      destinations: new DestinationHealth(),
      failoverDeadlineMs: 60_000,
      logger: memoryLogger().logger,
    });
    for (let i = 0; i < 200; i += 1) {
      void dispatcher.submit([deliveryOf({ channel: 'slack', webhookUrl: hook, content: contentOf('normal', `normal ${i}`) })]);
    }
    await waitFor(() => limiter.queued() >= 199, { what: 'the backlog to queue' });
    void dispatcher.submit([deliveryOf({ channel: 'slack', webhookUrl: hook, content: contentOf('critical', 'CRITICAL') }, { priority: { level: 'critical', score: 90, reasons: [] } })]);

    await waitFor(() => slack.accepted.length >= 2, { what: 'two slots' });
    const titles = slack.accepted.map((post) => post.text ?? '');
    expect(titles[0]).toContain('normal 0');
    expect(titles[1]).toContain('CRITICAL');

    dispatcher.forceAbort();
    await limiter.stop();
    const { undelivered } = await dispatcher.drain(0);
    expect(undelivered.length).toBeGreaterThanOrEqual(198);
  });
});
