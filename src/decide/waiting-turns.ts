import type { ChangeEvent } from '../intake/change-event';

export interface Turn {
  readonly event: ChangeEvent;
  readonly start: () => void;
  readonly giveUp: (error: Error) => void;
}

/** A FIFO read from `head`: a backlog of tens of thousands would make each shift() a copy. */
class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  take(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head += 1;
    if (this.head > 1_024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  takeAll(): T[] {
    const left = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return left;
  }
}

/** The record a change is about: its changes must be decided in the order they came. */
const recordOf = (event: ChangeEvent) => `${event.schema}.${event.table} ${JSON.stringify(event.primaryKey)}`;

/**
 * Changes waiting for their turn to be decided, in two lanes: those that may turn out critical
 * (read before their context: an emergency, a timeline item starting soon, a payment failing on
 * the day) go before the rest, each lane in arrival order. A change never goes ahead of an
 * earlier change of the same record: while one waits in the other lane, it queues behind it.
 */
export class WaitingTurns {
  private readonly urgent = new Fifo<Turn>();
  private readonly rest = new Fifo<Turn>();
  /** Records with changes waiting in `rest`, and how many. */
  private readonly behind = new Map<string, number>();

  get size(): number {
    return this.urgent.size + this.rest.size;
  }

  push(turn: Turn, mayBeUrgent: boolean): void {
    const record = recordOf(turn.event);
    if (mayBeUrgent && !this.behind.has(record)) return this.urgent.push(turn);
    this.behind.set(record, (this.behind.get(record) ?? 0) + 1);
    this.rest.push(turn);
  }

  take(): Turn | undefined {
    const urgent = this.urgent.take();
    if (urgent) return urgent;
    const turn = this.rest.take();
    if (turn) {
      const record = recordOf(turn.event);
      const n = (this.behind.get(record) ?? 1) - 1;
      if (n > 0) this.behind.set(record, n);
      else this.behind.delete(record);
    }
    return turn;
  }

  takeAll(): Turn[] {
    this.behind.clear();
    return [...this.urgent.takeAll(), ...this.rest.takeAll()];
  }
}
