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
  private readonly fifos = LEVELS.map(() => ({ jobs: [] as WaitingJob[], head: 0 }));
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(level: PriorityLevel, job: WaitingJob): void {
    this.fifos[LEVELS.indexOf(level)]!.jobs.push(job);
    this.count += 1;
  }

  /** A job that gave up waiting (its signal aborted) is skipped when its turn comes. */
  cancel(job: WaitingJob): void {
    if (job.cancelled) return;
    job.cancelled = true;
    this.count -= 1;
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
        return job;
      }
    }
    return undefined;
  }

  dropAll(reason: Error): void {
    for (let job = this.shift(); job; job = this.shift()) job.drop(reason);
  }
}
