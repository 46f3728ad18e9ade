import { ShutdownAbortError } from './errors';

/**
 * For SDK calls that cannot be cancelled: stop waiting when the signal aborts. The call itself
 * runs on; its late outcome is observed (never an unhandled rejection) and otherwise ignored.
 */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(new ShutdownAbortError());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new ShutdownAbortError());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Throws ShutdownAbortError before any work starts when the worker is already stopping. */
export function throwIfShuttingDown(signal: AbortSignal): void {
  if (signal.aborted) throw new ShutdownAbortError();
}
