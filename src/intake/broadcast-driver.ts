import type { Queryable } from '../lib/queryable';
import { routeBroadcastMessage, routeBroadcastPayload, type BroadcastContext } from './broadcast-change';
import { createBroadcastReader, type BroadcastPageStart } from './broadcast-reader';
import type { BroadcastSettings } from './intake-settings';
import type { CatchUpDriver, StreamDriver } from './stream-driver';
import type { StampMark } from './table-driver';
import { primeTimeCursor, TimeCursor } from './time-cursor';

/**
 * Broadcast mode: marks are realtime.messages ids. A live broadcast carries no time, so its
 * mark has none; the cursor asks the database for it when it is saved.
 */
export function createBroadcastDriver(db: Queryable, ctx: BroadcastContext, settings: BroadcastSettings, now: () => number): StreamDriver<StampMark> {
  const reader = createBroadcastReader(db, settings.messagesTable, settings.topic, settings.overlapMs, settings.pageSize);
  let cursor: TimeCursor | null = null;
  const open = (): TimeCursor => {
    if (!cursor) throw new Error('broadcast cursor used before open()');
    return cursor;
  };

  const catchUp: CatchUpDriver<StampMark> = {
    async open(saved) {
      const resumed = TimeCursor.parse(saved);
      cursor = new TimeCursor(resumed ?? (await reader.initial()), settings.overlapMs);
      if (!resumed) await primeTimeCursor(catchUp, cursor);
      return resumed !== null;
    },
    async *pages() {
      const retried = open().failedKeys();
      let start: BroadcastPageStart = { from: open().at };
      for (;;) {
        const messages = await reader.page(start);
        if (messages.length > 0) {
          yield messages.map((m) => {
            const { routed } = routeBroadcastMessage(m, ctx, 'catch-up');
            return { routed, mark: { key: m.id.toLowerCase(), stamp: m.at } };
          });
        }
        const last = messages.at(-1);
        if (!last || messages.length < settings.pageSize) break;
        start = { after: { at: last.at, id: last.id } };
      }
      open().dropRead(retried);
    },
    handled: (mark) => open().handled(mark.key),
    hold: (mark) => open().hold(mark.key, mark.stamp),
    fail: (mark) => open().fail(mark.key),
    note: (mark) => open().note(mark.key, mark.stamp),
    async position() {
      const c = open();
      const keys = c.unstampedKeys();
      const stamps = await reader.stampsOf(keys);
      for (const [id, at] of stamps) c.note(id.toLowerCase(), at);
      c.dropUnstamped(keys);
      return c.toJSON();
    },
    describe: () => cursor?.describe() ?? 'not loaded',
  };

  return {
    live(payload) {
      const { routed, messageId } = routeBroadcastPayload(payload, ctx, new Date(now()).toISOString());
      return { routed, mark: messageId ? { key: messageId, stamp: null } : null };
    },
    catchUp,
  };
}
