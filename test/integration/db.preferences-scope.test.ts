import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPgContextRepository } from '../../src/context/pg-context-repository';
import { seedDemo } from '../../src/db/seed';
import { DEMO_ORG_A, DEMO_ORG_B } from '../support/demo-ids';
import { insertPreferences } from '../support/fixtures';
import { createTestSchema, type TestSchema } from '../support/test-db';

let db: TestSchema;
beforeAll(async () => {
  db = await createTestSchema('prefs');
  await seedDemo(db.pool);
});
afterAll(() => db.drop());

describe('notification preferences are scoped to the organization', () => {
  it("a row filed under B for A's vendor does not block that vendor's own opt-out in A", async () => {
    const florist = DEMO_ORG_A.vendors.florist;
    await insertPreferences(db.pool, { organizationId: DEMO_ORG_B.id, personKind: 'vendor', personId: florist, hourlyCap: 999 });
    await insertPreferences(db.pool, { organizationId: DEMO_ORG_A.id, personKind: 'vendor', personId: florist, optOutChannels: ['email'] });

    const repository = createPgContextRepository({ pool: db.pool, cache: { maxEntries: 10, ttlMs: 60_000 } });
    const result = await repository.resolve({ organizationId: DEMO_ORG_A.id, weddingId: DEMO_ORG_A.weddings.today });
    if (!result.ok) throw new Error(result.detail);
    const preferences = result.context.people.find((p) => p.id === florist)?.preferences;
    expect(preferences).toMatchObject({ optOutChannels: ['email'], hourlyCap: null });
  });

  it('still allows one row per person within an organization', async () => {
    const photographer = DEMO_ORG_A.vendors.photographer;
    await expect(
      insertPreferences(db.pool, { organizationId: DEMO_ORG_A.id, personKind: 'vendor', personId: photographer, optOutChannels: ['sms'] }),
    ).rejects.toMatchObject({ code: '23505', constraint: 'notification_preferences_organization_person_key' });
  });
});
