import type { Queryable } from '../lib/queryable';
import { GapCursor } from './gap-cursor';
import type { OutboxSettings } from './intake-settings';
import { routeOutboxPayload, routeOutboxRow, type OutboxContext } from './outbox-change';
import { createOutboxReader } from './outbox-reader';
import type { CatchUpDriver, DriverItem, StreamDriver } from './stream-driver';

/** Outbox mode: marks are outbox row ids. */
export function createOutboxDriver(db: Queryable, ctx: OutboxContext, settings: OutboxSettings, now: () => number): StreamDriver<number> {
  const reader = createOutboxReader(db, ctx.schema, ctx.outboxTable, settings.pageSize);
  let cursor: GapCursor | null = null;
  const open = (): GapCursor => {
    if (!cursor) throw new Error('outbox cursor used before open()');
    return cursor;
  };

  const catchUp: CatchUpDriver<number> = {
    async open(saved) {
      const resumed = GapCursor.parse(saved);
      cursor = new GapCursor(resumed ?? (await reader.initial()), settings.gapGraceMs, now);
      return resumed !== null;
    },
    async *pages() {
      const retried = open().failedKeys();
      let after = open().readAfter;
      for (;;) {
        const rows = await reader.page(after);
        const items = rows.map((row): DriverItem<number> => {
          const { routed, outboxId } = routeOutboxRow(row, ctx, 'catch-up');
          return { routed, mark: outboxId };
        });
        if (items.length > 0) yield items;
        const last = items.at(-1)?.mark;
        if (rows.length < settings.pageSize) break;
        // A full page whose last row has no usable id: this pass cannot go on past it.
        if (last === null || last === undefined) return;
        after = last;
      }
      open().dropRead(retried);
    },
    handled: (id) => open().handled(id),
    hold: (id) => open().hold(id),
    fail: (id) => open().fail(id),
    note: (id) => open().note(id),
    position: () => Promise.resolve(open().toJSON()),
    describe: () => cursor?.describe() ?? 'not loaded',
  };

  return {
    live(payload) {
      const { routed, outboxId, incomplete } = routeOutboxPayload(payload, ctx);
      return { routed, mark: incomplete ? null : outboxId, incomplete };
    },
    catchUp,
  };
}
