import { afterAll, afterEach, beforeAll, beforeEach } from '@jest/globals';
import type { RunningIntake } from './intake-harness';
import { startFakeRealtime, type FakeRealtime, type Follower } from './realtime-server';
import { newOrganization } from './tenant-writes';
import { createTestSchema, type TestSchema } from './test-db';

/** What an intake test file works in; read its fields inside hooks and tests, not at load. */
export interface IntakeWorld {
  readonly db: TestSchema;
  readonly realtime: FakeRealtime;
  readonly follower: Follower;
  /** An organization of the file's schema, for the rows the tests write. */
  readonly org: string;
  /** Stops the intake after the test. */
  keep(intake: RunningIntake): RunningIntake;
}

/**
 * A schema of the file's own, and for each test a fresh Realtime server following it, intake
 * tables emptied by `resetSql`, and every intake the test kept stopped after it: tests of one
 * file share no stream, cursor or socket.
 */
export function intakeWorld(schemaName: string, resetSql = 'delete from intake_cursors'): IntakeWorld {
  let db: TestSchema | undefined;
  let realtime: FakeRealtime | undefined;
  let follower: Follower | undefined;
  let org: string | undefined;
  let running: RunningIntake[] = [];
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the intake world's ${what} is read before its hook has run`);
    return value;
  };

  beforeAll(async () => {
    db = await createTestSchema(schemaName);
    org = await newOrganization(db.pool);
  });
  afterAll(() => db?.drop());
  beforeEach(async () => {
    realtime = await startFakeRealtime({ timing: 'fast' });
    follower = await realtime.followDatabase(ready(db, 'schema').pool, { schema: ready(db, 'schema').schema });
    await ready(db, 'schema').pool.query(resetSql);
  });
  afterEach(async () => {
    await Promise.all(running.map((r) => r.stop()));
    running = [];
    await follower?.stop();
    await realtime?.close();
  });

  return {
    get db() {
      return ready(db, 'schema');
    },
    get realtime() {
      return ready(realtime, 'Realtime server');
    },
    get follower() {
      return ready(follower, 'follower');
    },
    get org() {
      return ready(org, 'organization');
    },
    keep(intake) {
      running.push(intake);
      return intake;
    },
  };
}
