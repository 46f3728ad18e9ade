// The fixed ids of db/seed/demo.sql, which builds them as 0000000<org>-<kind>-4000-8000-<n>.
// test/integration/db.schema.test.ts checks that every id here is a row of the seed.

function id(org: 'a' | 'b', kind: string, n: number): string {
  return `0000000${org}-${kind}-4000-8000-${String(n).padStart(12, '0')}`;
}

function demoOrganization(org: 'a' | 'b') {
  return {
    id: id(org, '0001', 1),
    staff: { planner: id(org, '0002', 1), finance: id(org, '0002', 2) },
    weddings: {
      /** Today in America/New_York; every vendor, the venue also as caterer. */
      today: id(org, '0003', 1),
      /** In 5 days; photographer, venue, planner. */
      inFiveDays: id(org, '0003', 2),
      /** In 40 days; photographer, venue. */
      inFortyDays: id(org, '0003', 3),
    },
    vendors: {
      /** Quiet hours 22:00–07:00 America/New_York. */
      photographer: id(org, '0004', 1),
      venue: id(org, '0004', 2),
      florist: id(org, '0004', 3),
      planner: id(org, '0004', 4),
    },
    clients: {
      today: [id(org, '0005', 1), id(org, '0005', 2)] as const,
      inFiveDays: [id(org, '0005', 3), id(org, '0005', 4)] as const,
      inFortyDays: [id(org, '0005', 5), id(org, '0005', 6)] as const,
    },
    /** The first client of today's couple opts out of sms; finance has an hourly cap of 10. */
    preferences: { photographer: id(org, '0007', 1), firstClientToday: id(org, '0007', 2), finance: id(org, '0007', 3) },
    webhookEndpoint: id(org, '0006', 1),
    /** Today's wedding: a pending payment to the florist, the ceremony, a completed milestone. */
    payment: id(org, '0008', 1),
    ceremony: id(org, '0009', 1),
    milestone: id(org, '000a', 1),
  };
}

export type DemoOrganizationIds = ReturnType<typeof demoOrganization>;

export const DEMO_ORG_A: DemoOrganizationIds = demoOrganization('a');
export const DEMO_ORG_B: DemoOrganizationIds = demoOrganization('b');

/** Placeholder the seed stores for every webhook endpoint; the demo points it at its partner. */
export const DEMO_WEBHOOK_PLACEHOLDER_URL = 'http://127.0.0.1:9/hooks';
