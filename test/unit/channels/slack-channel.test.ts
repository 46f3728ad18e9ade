import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Agent } from 'undici';
import { PermanentDeliveryError, RetryableDeliveryError } from '../../../src/channels/errors';
import { DestinationGoneError } from '../../../src/channels/errors-destination';
import type { SlackMessage } from '../../../src/channels/messages';
import { createSlackChannel } from '../../../src/channels/slack/slack-channel';
import { SlackFake } from '../../support/fakes/slack-fake';
import { hostileContent, sampleContent } from '../../support/notification-content';

/** Every string in a payload except URLs, which are not text objects. */
function texts(value: unknown, key = ''): string[] {
  if (typeof value === 'string') return key === 'url' || key === 'type' ? [] : [value];
  if (Array.isArray(value)) return value.flatMap((v) => texts(v));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => texts(v, k));
  return [];
}

describe('slack channel (undici against a loopback Slack)', () => {
  const fake = new SlackFake();
  const agent = new Agent();
  const channel = createSlackChannel({ http: agent });
  const context = () => ({ signal: new AbortController().signal, attempt: 1, deliveryId: 'dlv_slack' });
  const message = (webhookUrl: string, content = sampleContent()): SlackMessage => ({ channel: 'slack', webhookUrl, content });

  beforeAll(() => fake.start());
  afterAll(async () => {
    await agent.close();
    await fake.close();
  });

  it('posts Block Kit with a text fallback: header, summary with a link button, fields, reasons', async () => {
    const receipt = await channel.send(message(fake.hookUrl()), context());
    expect(receipt).toEqual({ status: 200 });
    expect(fake.rejected).toEqual([]);
    const { text, blocks } = fake.accepted.at(-1)!;
    expect(text).toBe('Important: Wedding date changed: The wedding of Ana &amp; Ben moved from 2026-06-20 to 2026-06-27.');
    const plain = (t: string) => ({ type: 'plain_text', text: t, emoji: false });
    expect(blocks).toEqual([
      { type: 'header', text: plain('Important: Wedding date changed') },
      {
        type: 'section',
        text: plain('The wedding of Ana &amp; Ben moved from 2026-06-20 to 2026-06-27.'),
        accessory: { type: 'button', text: { type: 'plain_text', text: 'Open in WedSync' }, url: 'https://app.wedsync.example/weddings/7d0c7d5e-0000-4000-8000-000000000001' },
      },
      {
        type: 'section',
        fields: [
          plain('Wedding\nAna &amp; Ben'),
          plain('Date\nSaturday, 27 June 2026'),
          plain('Priority\nHigh'),
          plain('New date\n2026-06-27'),
          plain('Previous date\n2026-06-20'),
        ],
      },
      { type: 'context', elements: [plain('Why: wedding.date_changed is high · date change touches 2026-06-20, within 30 days')] },
    ]);
  });

  it('delivers mentions and links smuggled in names as literal text, within Slack\'s limits', async () => {
    await channel.send(message(fake.hookUrl(), hostileContent()), context());
    expect(fake.rejected).toEqual([]);
    const post = fake.accepted.at(-1)!;
    const all = texts(post);
    expect(all.some((t) => /[<>]/.test(t))).toBe(false);
    expect(all.join('\n')).toContain('&lt;!channel&gt;');
    expect(all.join('\n')).toContain('&lt;http://evil.example|click&gt;');
    expect(all.join('\n')).toContain('&lt;@U123&gt;');
    expect(all.join('\n')).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(all.join('\n')).not.toMatch(/&(?!amp;|lt;|gt;)/);
    const header = post.blocks![0]!.text as { text: string };
    expect(header.text.length).toBeLessThanOrEqual(150);
    expect(JSON.stringify(post.blocks)).not.toContain('javascript:');
  });

  it('reports a revoked hook (404 no_service) and an archived channel (410) as gone, for the dispatcher to disable', async () => {
    const revoked = fake.hookUrl();
    const archived = fake.hookUrl();
    fake.revoke(revoked);
    fake.archive(archived);
    const gone404 = await channel.send(message(revoked), context()).catch((e: unknown) => e);
    const gone410 = await channel.send(message(archived), context()).catch((e: unknown) => e);
    expect(gone404).toBeInstanceOf(DestinationGoneError);
    expect(gone404).toMatchObject({ status: 404, providerCode: 'no_service', destinationGone: true, retryable: false });
    expect(gone410).toBeInstanceOf(DestinationGoneError);
    expect(gone410).toMatchObject({ status: 410, providerCode: 'channel_is_archived', message: 'slack channel_is_archived (HTTP 410)' });
  });

  it('keeps other refusals permanent but not gone, and retries a 500', async () => {
    const hook = fake.hookUrl();
    fake.replyNext({ status: 400, body: 'invalid_blocks' }, { status: 500, body: 'rollup_error' });
    const refused = await channel.send(message(hook), context()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PermanentDeliveryError);
    expect(refused).not.toBeInstanceOf(DestinationGoneError);
    await expect(channel.send(message(hook), context())).rejects.toBeInstanceOf(RetryableDeliveryError);
  });

  it('names no part of a malformed hook URL in its error', async () => {
    const error = (await channel.send(message('hooks.slack.com/services/T1/B2/s3cr3t'), context()).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(`${error.message} ${error.stack} ${String(error.cause)}`).not.toContain('s3cr3t');
  });
});
