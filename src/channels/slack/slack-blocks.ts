import type { NotificationContent } from '../messages';
import { extraFacts } from '../render/facts';
import { formatWeddingDate, PRIORITY_LABEL, urgencyMarker } from '../render/labels';
import { safeLink } from '../render/safe-link';
import { clip, oneLine } from '../render/text';

/**
 * Slack reads `&`, `<` and `>` as control characters in every text object: `<!channel>` pings a
 * channel and `<http://evil|click>` hides a link. Escaped as Slack's formatting docs ask, they
 * arrive as the literal characters.
 */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One customer value: one line, escaped, within Slack's limit for its place. */
const slack = (text: string, max: number) => clip(oneLine(text), max, { escape: escapeSlack });

/**
 * Every text object carries customer text, so every one is `plain_text`: mrkdwn has no escape
 * for `*bold*`, `_italic_`, `~strike~` or a backquote, and it turns bare URLs, #channels and
 * @mentions into links. `emoji: false` leaves a typed `:shortcode:` as the text it is.
 */
type Text = { type: 'plain_text'; text: string; emoji: false };
type Block =
  | { type: 'header'; text: Text }
  | { type: 'section'; text?: Text; fields?: Text[]; accessory?: unknown }
  | { type: 'context'; elements: Text[] }
  | { type: 'actions'; elements: unknown[] };

const plain = (text: string): Text => ({ type: 'plain_text', text, emoji: false });

export interface SlackPayload {
  /** Shown in notifications and by clients that cannot draw blocks. */
  readonly text: string;
  readonly blocks: Block[];
  /** The fallback text is not mrkdwn either, and no customer URL is previewed. */
  readonly mrkdwn: false;
  readonly unfurl_links: false;
  readonly unfurl_media: false;
}

const MAX_FIELDS = 10;

/** The action id of the "Acknowledge" button; its value is the signed ack token (src/ack). */
export const SLACK_ACK_ACTION = 'wedsync_ack';

/**
 * How the message asks for an answer: a button Slack sends to our interactions route (an app
 * with interactivity), or a link to the worker's ack page (a plain incoming webhook).
 */
export type SlackAck = { readonly interactive: true; readonly token: string } | { readonly interactive: false; readonly url: string };

export function renderSlackMessage(content: NotificationContent, ack?: SlackAck): SlackPayload {
  const marker = urgencyMarker(content.priority.level);
  const title = `${marker ? `${marker}: ` : ''}${oneLine(content.title)}`;
  const link = safeLink(content.link);
  const blocks: Block[] = [
    { type: 'header', text: plain(slack(title, 150)) },
    {
      type: 'section',
      text: plain(slack(content.summary, 3000)),
      ...(link ? { accessory: { type: 'button', text: { type: 'plain_text', text: 'Open in WedSync' }, url: link } } : {}),
    },
    { type: 'section', fields: fields(content) },
  ];
  if (content.priority.reasons.length > 0) {
    const reasons = content.priority.reasons.map(oneLine).join(' · ');
    blocks.push({ type: 'context', elements: [plain(slack(`Why: ${reasons}`, 2000))] });
  }
  if (ack) {
    const button = { type: 'button', style: 'primary', text: { type: 'plain_text', text: 'Acknowledge' } };
    blocks.push({ type: 'actions', elements: [ack.interactive ? { ...button, action_id: SLACK_ACK_ACTION, value: ack.token } : { ...button, action_id: 'wedsync_ack_link', url: ack.url }] });
  }
  return { text: slack(`${title}: ${oneLine(content.summary)}`, 3000), blocks, mrkdwn: false, unfurl_links: false, unfurl_media: false };
}

function fields(content: NotificationContent): Text[] {
  const field = (label: string, value: string): Text => plain(`${slack(label, 100)}\n${slack(value, 1900)}`);
  const list: Text[] = [];
  const { wedding } = content;
  if (wedding) list.push(field('Wedding', wedding.coupleName), field('Date', formatWeddingDate(wedding.date)));
  list.push(field('Priority', PRIORITY_LABEL[content.priority.level]));
  for (const fact of extraFacts(content)) {
    if (list.length >= MAX_FIELDS) break;
    list.push(field(fact.label, fact.value));
  }
  return list;
}
