import { createHash } from 'node:crypto';
import type { SubscriptionConfig } from '../config/worker-config.schema';
import type { Queryable } from '../lib/queryable';
import type { Row } from './change-event';
import type { TableCatchUpSettings } from './intake-settings';
import { primaryKeyOf } from './primary-keys';
import { fromValidation, type Routed } from './routed-change';
import { rowMatchesFilter } from './row-filter';
import type { CatchUpDriver, DriverItem, StreamDriver } from './stream-driver';
import { createTableReader, type TablePageStart } from './table-reader';
import { primeTimeCursor, TimeCursor } from './time-cursor';
import { validateChange } from './validate-change';
import { toEpochMicros } from './version-stamp';

export interface StampMark {
  readonly key: string;
  readonly stamp: string | null;
}

/**
 * Table mode. Live changes are postgres_changes of the table; catch-up re-reads rows whose
 * timestamp column moved past the cursor. What a re-read row cannot tell, and so this mode
 * cannot report (use the outbox mode where it matters):
 * - DELETEs: a deleted row is not there to be read.
 * - Intermediate versions: two updates while the socket was down come back as one, the latest.
 * - Old values: a catch-up UPDATE has `oldRecord: null` and `source: 'catch-up'`, so rules on
 *   changed columns cannot be judged (see ChangeEvent.source).
 * - INSERT or UPDATE is told by `created_at = updated_at` (createdColumn); without that column
 *   every row read back is reported as an UPDATE.
 */
export function createTableDriver(db: Queryable | null, subscription: SubscriptionConfig, settings: TableCatchUpSettings | null): StreamDriver<StampMark> {
  const live = (payload: unknown): DriverItem<StampMark> => {
    const result = validateChange(payload, subscription);
    const routed = fromValidation(result, subscription.name);
    const stamp = result.ok && settings ? result.event.record?.[settings.column] : undefined;
    return { routed, mark: result.ok && typeof stamp === 'string' ? { key: result.event.id, stamp } : null };
  };
  return { live, catchUp: settings && db ? tableCatchUp(db, subscription, settings) : null };
}

function tableCatchUp(db: Queryable, subscription: SubscriptionConfig, settings: TableCatchUpSettings): CatchUpDriver<StampMark> {
  const reader = createTableReader(db, { ...subscription, ...settings, primaryKey: primaryKeyOf(subscription) });
  let cursor: TimeCursor | null = null;
  const open = (): TimeCursor => {
    if (!cursor) throw new Error('table cursor used before open()');
    return cursor;
  };

  const toItem = (row: Row, stamp: string): DriverItem<StampMark> => {
    if (!rowMatchesFilter(subscription.filter, row)) {
      return { routed: { kind: 'ignored', reason: `outside the filter of ${subscription.name}` }, mark: { key: rowKey(row), stamp } };
    }
    const created = settings.createdColumn ? row[settings.createdColumn] : undefined;
    const inserted = typeof created === 'string' && toEpochMicros(created) === toEpochMicros(stamp);
    const payload = {
      schema: subscription.schema,
      table: subscription.table,
      commit_timestamp: stamp,
      eventType: inserted ? 'INSERT' : 'UPDATE',
      new: row,
      old: {},
      errors: null,
    };
    const result = validateChange(payload, subscription);
    const routed: Routed = result.ok ? { kind: 'event', event: { ...result.event, source: 'catch-up' } } : fromValidation(result, subscription.name);
    return { routed, mark: { key: result.ok ? result.event.id : rowKey(row), stamp } };
  };

  const driver: CatchUpDriver<StampMark> = {
    async open(saved) {
      const resumed = TimeCursor.parse(saved);
      cursor = new TimeCursor(resumed ?? (await reader.initial()), settings.overlapMs);
      if (!resumed) await primeTimeCursor(driver, cursor);
      return resumed !== null;
    },
    async *pages() {
      const retried = open().failedKeys();
      let start: TablePageStart = { from: open().at };
      for (;;) {
        const rows = await reader.page(start);
        if (rows.length > 0) yield rows.map((r) => toItem(r.row, r.stamp));
        const last = rows.at(-1);
        if (!last || rows.length < settings.pageSize) break;
        start = { after: { stamp: last.stamp, key: primaryKeyOf(subscription).map((k) => last.row[k]) } };
      }
      open().dropRead(retried);
    },
    handled: (mark) => open().handled(mark.key),
    hold: (mark) => open().hold(mark.key, mark.stamp),
    fail: (mark) => open().fail(mark.key),
    note: (mark) => open().note(mark.key, mark.stamp),
    position: () => Promise.resolve(open().toJSON()),
    describe: () => cursor?.describe() ?? 'not loaded',
  };
  return driver;
}

/** A row that is no change of ours (filtered out, or invalid) is still remembered as dealt with. */
function rowKey(row: Row): string {
  return `row_${createHash('sha256').update(JSON.stringify(row)).digest('hex').slice(0, 32)}`;
}
