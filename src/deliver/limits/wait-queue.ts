import type { PriorityLevel } from '../../vocabulary';
import type { SlotTicket } from './slot-store';

export interface WaitingJob {
  /** Given its slot: runs now. The ticket (none without a rate) tells the store when it finished. */
  readonly start: (ticket: SlotTicket | undefined) => void;
  /** Dropped (shutdown) before it got a slot. */
  readonly drop: (reason: Error) => void;
  cancelled: boolean;
}

const LEVELS: readonly PriorityLevel[] = ['critical', 'high', 'normal', 'low'];

/** One FIFO per level; the next job is the oldest of the most urgent level. */
export class WaitQueue {
  private readonly fifos = LEVELS.map(() => ({ jobs: [] as WaitingJob[], head: 0, live: 0 }));
  private readonly levelOf = new WeakMap<WaitingJob, number>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Jobs of one level waiting (not cancelled). */
  sizeOf(level: PriorityLevel): number {
    return this.fifos[LEVELS.indexOf(level)]!.live;
  }

  push(level: PriorityLevel, job: WaitingJob): void {
    const at = LEVELS.indexOf(level);
    this.fifos[at]!.jobs.push(job);
    this.fifos[at]!.live += 1;
    this.levelOf.set(job, at);
    this.count += 1;
  }

  /** A job that gave up waiting (its signal aborted) is skipped when its turn comes. */
  cancel(job: WaitingJob): void {
    if (job.cancelled) return;
    job.cancelled = true;
    this.count -= 1;
    const at = this.levelOf.get(job);
    if (at !== undefined) this.fifos[at]!.live -= 1;
  }

  shift(): WaitingJob | undefined {
    for (const fifo of this.fifos) {
      while (fifo.head < fifo.jobs.length) {
        const job = fifo.jobs[fifo.head]!;
        fifo.head += 1;
        if (fifo.head === fifo.jobs.length) {
          fifo.jobs.length = 0;
          fifo.head = 0;
        }
        if (job.cancelled) continue;
        this.count -= 1;
        fifo.live -= 1;
        return job;
      }
    }
    return undefined;
  }

  dropAll(reason: Error): void {
    for (let job = this.shift(); job; job = this.shift()) job.drop(reason);
  }
}
