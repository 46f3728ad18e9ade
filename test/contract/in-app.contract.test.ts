import { Pool } from 'pg';
import { createInAppChannel, type QueryableLike } from '../../src/channels/in-app/in-app-channel';
import type { InAppMessage } from '../../src/channels/messages';
import { closedPort } from '../support/closed-port';
import { sampleContent } from '../support/notification-content';
import { lockTable, type TableLock } from '../support/table-lock';
import { createTestSchema } from '../support/test-db';
import { describeChannelContract } from './channel-contract';

const PASSWORD = 'contract-pg-password-secret';

describeChannelContract<InAppMessage>('in-app', async () => {
  const db = await createTestSchema('inapp_contract');
  const locks: TableLock[] = [];
  let queries = 0;
  // Counts what reaches PostgreSQL; every query still runs on the real pool.
  const counted: QueryableLike = {
    query: (text, values) => {
      queries += 1;
      return db.pool.query(text, values);
    },
  };
  const message = (recipientId = '5b1f0c1e-0000-4000-8000-000000000003'): InAppMessage => ({
    channel: 'in_app',
    organizationId: '0f4a7a52-0000-4000-8000-000000000002',
    recipientKind: 'vendor',
    recipientId,
    weddingId: '7d0c7d5e-0000-4000-8000-000000000001',
    content: sampleContent(),
  });
  const lock = async () => {
    const held = await lockTable(db.schema, 'notifications');
    locks.push(held);
    return held;
  };
  return {
    channel: createInAppChannel({ db: counted }),
    message,
    // PostgreSQL has no 429; its nearest is a server going away mid-query (57P01), retried.
    rateLimited: async () => {
      const held = await lock();
      void held.terminateBlocked().catch(() => undefined).finally(() => held.release());
      return message();
    },
    expectedRetryAfterMs: () => undefined,
    rejected: () => message('not-a-uuid'),
    hanging: async () => (await lock(), message()),
    endHang: async () => {
      for (const held of locks) await held.release();
    },
    unreachable: async () => {
      const pool = new Pool({ connectionString: `postgres://worker:${PASSWORD}@127.0.0.1:${await closedPort()}/test`, max: 1 });
      pool.on('error', () => undefined);
      return { channel: createInAppChannel({ db: pool }), message: message() };
    },
    requestCount: () => queries,
    secrets: [PASSWORD],
    close: async () => {
      for (const held of locks) await held.release();
      await db.drop();
    },
  };
});
