import { createSlackWebClient } from '../channels/slack-app/slack-web-client';
import type { Logger } from '../lib/logger';

export interface SlackMessageRef {
  readonly channel: string;
  readonly ts: string;
}

/** What the ack route asks of Slack: rewrite one message. */
export interface SlackUpdater {
  update(organizationId: string | null, ref: SlackMessageRef, message: { text: string; blocks: readonly Record<string, unknown>[] }): Promise<void>;
}

/**
 * chat.update through @slack/web-api with the app's bot token. One token for now
 * (SLACK_BOT_TOKEN): per-organization tokens kept with the sealed connections are not built yet
 * (README). Slack answers errors as HTTP 200 `{ok:false,error}`; the SDK throws them typed.
 */
export function createSlackUpdater(options: { token: string; apiUrl?: string; logger: Logger; timeoutMs?: number }): SlackUpdater {
  // One retry at most: a person waits to see the message change, a later click repairs it.
  const client = createSlackWebClient({ ...options, retries: 1, timeoutMs: options.timeoutMs ?? 5_000 });
  return {
    async update(_organizationId, ref, message) {
      await client.chat.update({ channel: ref.channel, ts: ref.ts, text: message.text, blocks: message.blocks as never });
    },
  };
}
