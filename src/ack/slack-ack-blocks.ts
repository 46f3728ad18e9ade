import { SLACK_ACK_ACTION } from '../channels/slack/slack-blocks';
import type { Acknowledgement } from './ack-store';

export { SLACK_ACK_ACTION };

type Block = Record<string, unknown>;

/**
 * The message as it should read once answered: the buttons gone (nobody needs to press again),
 * a line saying who acknowledged and when. The time is Slack's `<!date>` token, shown in each
 * reader's own zone; the name is a mention of a Slack user id, or our plain-text name.
 */
export function acknowledgedBlocks(original: readonly Block[], ack: Acknowledgement): { text: string; blocks: Block[] } {
  const seconds = Math.floor(ack.atMs / 1000);
  const iso = new Date(ack.atMs).toISOString();
  const slackUser = /^slack:([UW][A-Z0-9]{2,20})$/.exec(ack.actor)?.[1];
  const who = slackUser ? `<@${slackUser}>` : escapeMrkdwn(ack.actorName ?? 'someone');
  const line = `:white_check_mark: Acknowledged by ${who} via ${ack.channel} <!date^${seconds}^{date_short_pretty} at {time}|${iso}>`;
  const kept = original.filter((b) => b.type !== 'actions').map(withoutButtonAccessory);
  return {
    text: `Acknowledged by ${slackUser ? `<@${slackUser}>` : (ack.actorName ?? 'someone')} at ${iso}`,
    blocks: [...kept, { type: 'context', elements: [{ type: 'mrkdwn', text: line }] }],
  };
}

function withoutButtonAccessory(block: Block): Block {
  const accessory = block.accessory as { action_id?: unknown } | undefined;
  if (accessory?.action_id !== SLACK_ACK_ACTION) return block;
  const { accessory: _dropped, ...rest } = block;
  return rest;
}

function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/[*_~`]/g, ' ').slice(0, 80);
}
