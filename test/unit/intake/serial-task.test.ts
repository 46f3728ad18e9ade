import { describe, expect, it } from '@jest/globals';
import { SerialTask } from '../../../src/intake/serial-task';
import { deferred, waitFor, type Deferred } from '../../support/wait-for';

describe('SerialTask', () => {
  it('runs one at a time, and any number of requests during a run queue exactly one more', async () => {
    const runs: Deferred<void>[] = [];
    let concurrent = 0;
    let most = 0;
    const task = new SerialTask(async () => {
      concurrent += 1;
      most = Math.max(most, concurrent);
      const d = deferred();
      runs.push(d);
      await d.promise;
      concurrent -= 1;
    });
    task.request();
    task.request();
    task.request();
    task.request();
    expect(runs).toHaveLength(1);
    runs[0]!.resolve();
    await waitFor(() => runs.length === 2, { what: 'the one queued run' });
    runs[1]!.resolve();
    await task.idle();
    expect(runs).toHaveLength(2);
    expect(most).toBe(1);
    expect(task.busy).toBe(false);
  });
});
