/** Condition polling for tests: wait for a state, never for a fixed amount of time. */

export interface WaitOptions {
  /** Default 5000 ms. */
  timeoutMs?: number;
  /** Polling interval, default 5 ms. */
  intervalMs?: number;
  /** Included in the timeout error to say what was being waited for. */
  description?: string;
}

/**
 * Resolves as soon as `predicate()` is truthy (checked immediately, then every `intervalMs`).
 * Rejects after `timeoutMs`; an exception thrown by the predicate rejects at once.
 */
export function waitFor(predicate: () => unknown, options: WaitOptions = {}): Promise<void> {
  const { timeoutMs = 5000, intervalMs = 5, description = 'condition' } = options;
  const deadline = Date.now() + timeoutMs;
  return new Promise<void>((resolve, reject) => {
    const check = (): void => {
      let ok: unknown;
      try {
        ok = predicate();
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      if (ok) return resolve();
      if (Date.now() >= deadline) return reject(new Error(`waitFor timed out after ${timeoutMs} ms: ${description}`));
      setTimeout(check, intervalMs);
    };
    check();
  });
}
