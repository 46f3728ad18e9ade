import { SLACK_AUTH_ERRORS, type SlackApps } from '../channels/slack-app/slack-apps';
import { slackErrorCode } from '../channels/slack-app/slack-web-client';

export interface SlackMessageRef {
  readonly channel: string;
  readonly ts: string;
}

/** What the ack route asks of Slack: rewrite one message. */
export interface SlackUpdater {
  update(organizationId: string | null, ref: SlackMessageRef, message: { text: string; blocks: readonly Record<string, unknown>[] }): Promise<void>;
}

/**
 * chat.update through @slack/web-api with the bot token of the organization whose delivery was
 * acknowledged (its sealed Slack connection): the message lives in that organization's
 * workspace. An organization without the app has nothing to update. Slack answers errors as
 * HTTP 200 `{ok:false,error}`; the SDK throws them typed.
 */
export function createSlackUpdater(apps: Pick<SlackApps, 'forOrganization' | 'refused'>): SlackUpdater {
  return {
    async update(organizationId, ref, message) {
      const app = organizationId ? await apps.forOrganization(organizationId) : null;
      if (!app) return;
      try {
        await app.client.chat.update({ channel: ref.channel, ts: ref.ts, text: message.text, blocks: message.blocks as never });
      } catch (error) {
        const code = slackErrorCode(error);
        if (code && SLACK_AUTH_ERRORS.has(code)) await apps.refused(app, code);
        throw error;
      }
    },
  };
}
