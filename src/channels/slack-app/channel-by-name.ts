import type { WebClient } from '@slack/web-api';
import { PermanentDeliveryError, RetryableDeliveryError } from '../errors';
import { SLACK_AUTH_ERRORS } from './slack-apps';
import { SLACK_RETRYABLE_ERRORS, slackErrorCode } from './slack-web-client';

/** Pages of conversations.list read when looking for a taken name (200 channels a page). */
const MAX_LIST_PAGES = 10;
/** The name, then `-2` … `-4`: a few names, then the message fails (a person must look). */
const MAX_NAMES = 4;

/** A channel the app can post into, and the name it has. */
export interface NamedChannel {
  readonly id: string;
  readonly name: string;
}

/**
 * The public channel named `name` (or, when that name cannot be used, `name-2`, `name-3`, …),
 * created or reused: idempotent, so a crash between Slack's answer and our row only means the
 * next attempt finds the same channel. A name Slack calls `name_taken`:
 * - held by a live channel: that channel is reused;
 * - held by an archived one: it is unarchived (conversations.unarchive; `not_archived`, someone
 *   else just did, is fine) and reused. Slack documents that bot tokens cannot unarchive (and
 *   answers `not_in_channel`: archiving removed the bot): any such refusal moves on to the next
 *   name, as does a name held by a channel the app cannot see (a private one);
 * - the token refused, or an error that clears on its own: thrown, the delivery's retry decides.
 */
export async function createOrReuseChannel(slack: WebClient, name: string): Promise<NamedChannel> {
  for (let n = 1; n <= MAX_NAMES; n += 1) {
    const candidate = n === 1 ? name : `${name}-${n}`;
    const id = await claim(slack, candidate);
    if (id) return { id, name: candidate };
  }
  // Permanent (README): every attempt would find the same names taken until a person acts.
  throw new PermanentDeliveryError(`slack channel names ${name} to ${name}-${MAX_NAMES} are all taken by channels the app cannot use`);
}

/** The channel's id when this name can be used, null when it cannot. */
async function claim(slack: WebClient, name: string): Promise<string | null> {
  try {
    const created = await slack.conversations.create({ name, is_private: false });
    if (created.channel?.id) return created.channel.id;
    throw new RetryableDeliveryError('slack conversations.create answered without a channel id');
  } catch (error) {
    if (slackErrorCode(error) !== 'name_taken') throw error;
  }
  const existing = await findByName(slack, name);
  if (!existing) return null;
  if (!existing.archived) return existing.id;
  try {
    await slack.conversations.unarchive({ channel: existing.id });
    return existing.id;
  } catch (error) {
    const code = slackErrorCode(error);
    if (code === 'not_archived') return existing.id;
    if (!code || SLACK_AUTH_ERRORS.has(code) || SLACK_RETRYABLE_ERRORS.has(code)) throw error;
    return null;
  }
}

/** Archived channels included: Slack keeps their names taken. */
async function findByName(slack: WebClient, name: string): Promise<{ id: string; archived: boolean } | null> {
  let cursor: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page += 1) {
    const listed = await slack.conversations.list({ types: 'public_channel', exclude_archived: false, limit: 200, ...(cursor ? { cursor } : {}) });
    const found = listed.channels?.find((c) => c.name === name);
    if (found?.id) return { id: found.id, archived: found.is_archived === true };
    cursor = listed.response_metadata?.next_cursor || undefined;
    if (!cursor) return null;
  }
  return null;
}
