import { describe, expect, it } from '@jest/globals';
import { BatchedStatement } from '../../../src/lib/batched-statement';
import { deferred } from '../../support/wait-for';

describe('BatchedStatement', () => {
  it('writes a lone item at once, and what arrives during a write in the next one', async () => {
    const writes: number[][] = [];
    const gates = [deferred<void>(), deferred<void>()];
    const commit = new BatchedStatement<number>(async (items) => {
      writes.push([...items]);
      await gates[writes.length - 1]!.promise;
      return items.map(() => undefined);
    });

    const first = commit.add(1);
    expect(writes).toEqual([[1]]); // started synchronously: no timer, no wait for company
    const later = [commit.add(2), commit.add(3), commit.add(4)];
    expect(writes).toHaveLength(1); // one write in flight at a time

    gates[0]!.resolve();
    await first;
    gates[1]!.resolve();
    await Promise.all(later);
    expect(writes).toEqual([[1], [2, 3, 4]]);
  });

  it("settles a caller only when its own write has, and fails every caller of a failed write, not the next one's", async () => {
    let calls = 0;
    const gate = deferred<void>();
    const commit = new BatchedStatement<string>(async (items) => {
      calls += 1;
      if (calls === 1) {
        await gate.promise;
        throw new Error(`database unreachable (${items.join(',')})`);
      }
      return items.map(() => undefined);
    });
    const a = commit.add('a');
    const b = commit.add('b');
    const c = commit.add('c');
    let aSettled = false;
    void a.catch(() => (aSettled = true));
    await Promise.resolve();
    expect(aSettled).toBe(false);

    gate.resolve();
    await expect(a).rejects.toThrow('database unreachable (a)');
    await expect(Promise.all([b, c])).resolves.toEqual([undefined, undefined]);
    expect(calls).toBe(2);
  });

  it('splits a long queue into batches of at most maxBatch', async () => {
    const sizes: number[] = [];
    const gate = deferred<void>();
    const commit = new BatchedStatement<number>(async (items) => {
      sizes.push(items.length);
      if (sizes.length === 1) await gate.promise;
      return items.map(() => undefined);
    }, 3);
    const all = Array.from({ length: 8 }, (_, i) => commit.add(i));
    gate.resolve();
    await Promise.all(all);
    expect(sizes).toEqual([1, 3, 3, 1]);
  });

  it("hands each caller its own item's result", async () => {
    const gate = deferred<void>();
    let first = true;
    const square = new BatchedStatement<number, number>(async (items) => {
      if (first) {
        first = false;
        await gate.promise;
      }
      return items.map((n) => n * n);
    });
    const results = [2, 3, 4, 5].map((n) => square.add(n));
    gate.resolve();
    expect(await Promise.all(results)).toEqual([4, 9, 16, 25]);
  });

  it('runs a batch that failed for one item again item by item, when the error may be that item\'s', async () => {
    const gate = deferred<void>();
    const calls: number[][] = [];
    const write = new BatchedStatement<number, number>(
      async (items) => {
        calls.push([...items]);
        if (calls.length === 1) await gate.promise;
        if (items.includes(3)) throw Object.assign(new Error('bad row'), { code: '22P02' });
        return items.map((n) => n * 10);
      },
      500,
      (error) => (error as { code?: string }).code === '22P02',
    );
    const lead = write.add(1);
    const rest = [2, 3, 4].map((n) => write.add(n));
    gate.resolve();
    await lead;
    const results = await Promise.allSettled(rest);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'refused'))).toEqual([20, 'refused', 40]);
    expect(calls).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
  });

  it('fails every caller of a batch at once when the error is not one item\'s (the database is down)', async () => {
    const gate = deferred<void>();
    let calls = 0;
    const write = new BatchedStatement<number>(
      async () => {
        calls += 1;
        if (calls === 1) {
          await gate.promise;
          return [undefined];
        }
        throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
      },
      500,
      (error) => (error as { code?: string }).code === '22P02',
    );
    const lead = write.add(1);
    const rest = [2, 3].map((n) => write.add(n));
    gate.resolve();
    await lead;
    expect((await Promise.allSettled(rest)).map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(2);
  });
});
