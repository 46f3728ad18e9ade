import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Agent } from 'undici';
import { PermanentDeliveryError } from '../../../src/channels/errors';
import { DestinationGoneError } from '../../../src/channels/errors-destination';
import type { TeamsMessage } from '../../../src/channels/messages';
import { createTeamsChannel } from '../../../src/channels/teams/teams-channel';
import { TeamsFake } from '../../support/fakes/teams-fake';
import { hostileContent, sampleContent } from '../../support/notification-content';

describe('teams channel (undici against a loopback Teams Workflows trigger)', () => {
  const fake = new TeamsFake();
  const agent = new Agent();
  const channel = createTeamsChannel({ http: agent });
  const context = () => ({ signal: new AbortController().signal, attempt: 1, deliveryId: 'dlv_teams' });
  const message = (webhookUrl: string, content = sampleContent()): TeamsMessage => ({ channel: 'teams', webhookUrl, content });

  beforeAll(() => fake.start());
  afterAll(async () => {
    await agent.close();
    await fake.close();
  });

  it('posts one Adaptive Card 1.4 in a message envelope; 202 with no body is success', async () => {
    const receipt = await channel.send(message(fake.hookUrl()), context());
    expect(receipt).toEqual({ status: 202 });
    expect(fake.rejected).toEqual([]);
    const { card } = fake.accepted.at(-1)!;
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json' });
    expect(card.body).toEqual([
      { type: 'TextBlock', text: 'Important: Wedding date changed', weight: 'Bolder', size: 'Medium', wrap: true },
      { type: 'TextBlock', text: 'The wedding of Ana & Ben moved from 2026-06-20 to 2026-06-27.', wrap: true },
      {
        type: 'FactSet',
        facts: [
          { title: 'Wedding', value: 'Ana & Ben' },
          { title: 'Date', value: 'Saturday, 27 June 2026' },
          { title: 'Priority', value: 'High' },
          { title: 'New date', value: '2026-06-27' },
          { title: 'Previous date', value: '2026-06-20' },
        ],
      },
      { type: 'TextBlock', text: 'Why: wedding.date\\_changed is high · date change touches 2026-06-20, within 30 days', isSubtle: true, size: 'Small', wrap: true },
    ]);
    expect(card.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open in WedSync', url: 'https://app.wedsync.example/weddings/7d0c7d5e-0000-4000-8000-000000000001' }]);
  });

  it('keeps Markdown links in names literal, cuts a 5,000-character name, and drops a javascript: link', async () => {
    await channel.send(message(fake.hookUrl(), hostileContent()), context());
    expect(fake.rejected).toEqual([]);
    const { card } = fake.accepted.at(-1)!;
    const json = JSON.stringify(card);
    expect(json).toContain('\\\\[click\\\\]\\\\(http\\\\://evil.example\\\\)');
    expect(json).not.toMatch(/[^\\]\[click\]/);
    expect(card.actions).toEqual([]);
    const facts = (card.body as { type: string; facts?: { value: string }[] }[]).find((b) => b.type === 'FactSet')!.facts!;
    expect(Math.max(...facts.map((f) => f.value.length))).toBeLessThanOrEqual(500);
  });

  it('reports a deleted workflow (404) and a 410 as gone; a bad signature is permanent, not gone', async () => {
    const deleted = fake.hookUrl();
    fake.deleteWorkflow(deleted);
    await expect(channel.send(message(deleted), context())).rejects.toMatchObject({ status: 404, providerCode: 'WorkflowNotFound', destinationGone: true });
    const hook = fake.hookUrl();
    fake.replyNext({ status: 410, body: { error: { code: 'Gone', message: 'gone' } } });
    await expect(channel.send(message(hook), context())).rejects.toBeInstanceOf(DestinationGoneError);
    const badSig = new URL(hook);
    badSig.searchParams.set('sig', 'wrong');
    const error = await channel.send(message(badSig.href), context()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error).not.toBeInstanceOf(DestinationGoneError);
    expect(error).toMatchObject({ status: 401, message: 'teams DirectApiAuthorizationRequired (HTTP 401)' });
  });
});
