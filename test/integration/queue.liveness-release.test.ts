import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { runMigrations } from 'graphile-worker';
import { WorkerLiveness } from '../../src/deliver/durable/worker-liveness';
import { createLogger } from '../../src/lib/logger';
import { createTestSchema, type TestSchema } from '../support/test-db';
import { waitFor } from '../support/wait-for';

let db: TestSchema;
let gw: string;
beforeAll(async () => {
  db = await createTestSchema('liverel');
  gw = `${db.schema}_gw`;
  await runMigrations({ pgPool: db.pool, schema: gw });
});
afterAll(async () => {
  await db.pool.query(`drop schema if exists "${gw}" cascade`);
  await db.drop();
});

const lockedBy = async (key: string) => (await db.pool.query<{ locked_by: string | null }>(`select locked_by from "${gw}"._private_jobs where key = $1`, [key])).rows[0]?.locked_by;

describe('a finished runner of a live process', () => {
  it('leaves none of its jobs locked (its batched completion failed, say), while a runner still working keeps its own', async () => {
    await db.pool.query(`select "${gw}".add_job('deliver', json_build_object('id', 'left-locked'), job_key => 'left-locked')`);
    await db.pool.query(`update "${gw}"._private_jobs set locked_at = now(), locked_by = 'pool-gone' where key = 'left-locked'`);
    await db.pool.query(`select "${gw}".add_job('deliver', json_build_object('id', 'still-running'), job_key => 'still-running')`);
    await db.pool.query(`update "${gw}"._private_jobs set locked_at = now(), locked_by = 'pool-live' where key = 'still-running'`);

    const liveness = new WorkerLiveness({
      db: db.pool,
      queueSchema: gw,
      heartbeatMs: 50,
      deadAfterMs: 60_000,
      logger: createLogger({ level: 'silent', destination: pino.destination({ dest: '/dev/null', sync: true }) }),
    });
    liveness.addWorker('pool-gone');
    liveness.addWorker('pool-live');
    await liveness.start();
    try {
      // The process heart-beats, so the dead-process sweep alone would never unlock it.
      expect(await lockedBy('left-locked')).toBe('pool-gone');
      liveness.retire(['pool-gone']);
      await waitFor(async () => (await lockedBy('left-locked')) === null, { what: 'the finished runner\'s job unlocked' });
      expect(await lockedBy('still-running')).toBe('pool-live');
    } finally {
      await liveness.stop();
    }
  });
});
