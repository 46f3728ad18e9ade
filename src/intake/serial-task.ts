/**
 * Runs a task one at a time. A request while it runs queues exactly one more run, however many
 * requests arrive: the next run starts from the newest state anyway, so more would only repeat it.
 * The task must not throw.
 */
export class SerialTask {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(private readonly task: () => Promise<void>) {}

  get busy(): boolean {
    return this.running !== null;
  }

  request(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop();
  }

  /** Resolves when no run is under way or queued. */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      await this.task();
    } while (this.again);
    this.running = null;
  }
}
