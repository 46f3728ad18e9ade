/**
 * A LIFO stack of clean-up steps. Every step runs even if an earlier one fails; the failures are
 * collected, because a half-released process is worse than a slow one.
 */
export class Releasers {
  private readonly steps: { name: string; release: () => Promise<void> | void }[] = [];

  add(name: string, release: () => Promise<void> | void): void {
    this.steps.push({ name, release });
  }

  async releaseAll(onError: (name: string, error: unknown) => void): Promise<number> {
    let failures = 0;
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        await step.release();
      } catch (error) {
        failures += 1;
        onError(step.name, error);
      }
    }
    return failures;
  }
}
