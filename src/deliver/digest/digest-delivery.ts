import { hash } from 'node:crypto';
import type { DigestEntry, DigestSummary, NotificationContent } from '../../channels/messages';
import type { DigestHold, Recipient } from '../../decide/delivery';
import { deliveryId } from '../../intake/event-identity';
import type { ChannelKind, Priority } from '../../vocabulary';
import type { StoredDelivery, StoredMessage } from '../stored-delivery';

/** The graphile-worker task that sends a digest; its job_key is `digest:` + the digest key. */
export const DIGEST_TASK = 'digest';

/** Which digest a held message waits for: its recipient, its channel, the instant the window ends. Ids only. */
export function digestKey(recipient: Recipient, channel: ChannelKind, atMs: number): string {
  return `${recipient.kind}:${recipient.id}|${channel}|${new Date(atMs).toISOString()}`;
}

type ContentMessage = Extract<StoredMessage, { content: NotificationContent }>;

function contentOf(item: StoredDelivery): NotificationContent {
  const message = item.message as Partial<ContentMessage>;
  if (!message.content) throw new TypeError(`held delivery ${item.id} has no content to list`);
  return message.content;
}

function entryOf(content: NotificationContent): DigestEntry {
  return {
    kind: content.kind,
    title: content.title,
    summary: content.summary,
    coupleName: content.wedding?.coupleName ?? null,
    weddingDate: content.wedding?.date ?? null,
    link: content.link,
    occurredAt: content.occurredAt,
  };
}

/** The one value every item shares, else `fallback`. */
function shared<T>(values: readonly T[], same: (a: T, b: T) => boolean, fallback: T): T {
  return values.every((v) => same(v, values[0]!)) ? values[0]! : fallback;
}

/**
 * One delivery for the held items of a digest key (all one recipient and channel), in the order
 * the changes happened. Its id is made from its parts: the key and the ids of the items it
 * carries, so building it again from the same items (a retried job, another replica) gives the
 * same id and the ledger keeps one; a later collection of other items gives another.
 */
export function buildDigest(key: string, held: readonly StoredDelivery[], hold: Pick<DigestHold, 'heldBy'>, maxItems: number): StoredDelivery {
  if (held.length === 0) throw new RangeError('a digest needs at least one item');
  const items = [...held].sort((a, b) => contentOf(a).occurredAt.localeCompare(contentOf(b).occurredAt) || a.id.localeCompare(b.id));
  const first = items[0]!;
  const contents = items.map(contentOf);
  const ids = items.map((i) => i.id).sort();
  const eventId = `dgst_${hash('sha256', ['digest', key, ...ids].join('\u001f'), 'hex').slice(0, 32)}`;
  const level = items.some((i) => i.priority.level === 'normal') ? 'normal' : 'low';
  const priority: Priority = {
    level,
    score: Math.max(...items.map((i) => i.priority.score)),
    reasons: [`digest of ${items.length} held ${items.length === 1 ? 'change' : 'changes'}`],
  };
  const sharedWedding = shared(items.map((i) => i.weddingId), (a, b) => a === b, null);
  // A vendor or a couple is found through a wedding when the address is read at send time: the
  // digest reads it through the newest item's wedding, even when the items span several.
  const weddingId = [...items].reverse().find((i) => i.weddingId !== null)?.weddingId ?? null;
  const wedding = shared(contents.map((c) => c.wedding), (a, b) => a?.id === b?.id, null);
  const digest: DigestSummary = { total: items.length, entries: contents.slice(0, maxItems).map(entryOf), heldBy: hold.heldBy };
  const content: NotificationContent = {
    kind: shared(contents.map((c) => c.kind), (a, b) => a === b, 'change.generic'),
    eventId,
    title: `${items.length} ${items.length === 1 ? 'update' : 'updates'}`,
    summary: contents.map((c) => c.title).slice(0, 5).join('; '),
    facts: [],
    link: shared(contents.map((c) => c.link), (a, b) => a === b, null),
    organization: contents[contents.length - 1]!.organization,
    wedding,
    priority,
    occurredAt: contents[contents.length - 1]!.occurredAt,
    digest,
  };
  const message = { ...(first.message as ContentMessage), content, ...(first.message.channel === 'in_app' ? { weddingId: sharedWedding } : {}) } as StoredMessage;
  return {
    id: deliveryId(eventId, first.channel, `${first.recipient.kind}:${first.recipient.id}`),
    eventId,
    organizationId: first.organizationId,
    weddingId,
    kind: content.kind,
    channel: first.channel,
    recipient: first.recipient,
    priority,
    notBeforeMs: null,
    deadlineMs: null,
    message,
    rateLimit: first.rateLimit,
    fallbacks: [],
    // Which rows it carries is in digest_items.digest_id; a log line needs only the count.
    notes: [`digest of ${items.length} held`],
    log: { table: 'digest_items', operation: 'DIGEST', rule: 'digest' },
  };
}
