import type { Pool } from 'pg';
import { DEMO_ORG_A, DEMO_ORG_B } from '../../test/support/demo-ids';

export interface Step {
  readonly title: string;
  readonly sql: string;
  readonly values: unknown[];
}

/**
 * A short wedding day at the demo's organizations, as rows written to PostgreSQL: the outbox
 * trigger captures each, the loopback Realtime server pushes it, and the worker does the rest.
 */
export const WEDDING_DAY: readonly Step[] = [
  {
    title: "The Rivera–Morgan wedding moves by a day (it is 5 days away); the photographer's CRM (VSCO Workspace) follows",
    sql: `update weddings set wedding_date = wedding_date + 1 where id = $1`,
    values: [DEMO_ORG_A.weddings.inFiveDays],
  },
  {
    title: "A payment for today's wedding fails",
    sql: `update payments set status = 'failed', failure_reason = 'card declined' where id = $1`,
    values: [DEMO_ORG_A.payment],
  },
  {
    title: 'The venue receives a form response for a wedding in 40 days',
    sql: `insert into form_responses (organization_id, wedding_id, vendor_id, form_name, answers) values ($1, $2, $3, 'Menu choices', '{"mains": "risotto"}')`,
    values: [DEMO_ORG_A.id, DEMO_ORG_A.weddings.inFortyDays, DEMO_ORG_A.vendors.venue],
  },
  {
    title: "The couple of today's wedding fixes a typo in their profile",
    sql: `update clients set name = name || '' where id = $1`,
    values: [DEMO_ORG_A.clients.today[1]],
  },
  {
    title: "An emergency at today's wedding",
    sql: `insert into wedding_alerts (organization_id, wedding_id, severity, message, raised_by) values ($1, $2, 'emergency', $3, 'Priya (planner)')`,
    values: [DEMO_ORG_A.id, DEMO_ORG_A.weddings.today, 'Thunderstorm: the ceremony moves to the ballroom at 15:30'],
  },
  {
    title: 'The other organization (on Teams, not Slack) has an emergency too',
    sql: `insert into wedding_alerts (organization_id, wedding_id, severity, message, raised_by) values ($1, $2, 'emergency', $3, 'Front desk')`,
    values: [DEMO_ORG_B.id, DEMO_ORG_B.weddings.today, 'Road closed: guests use the north entrance'],
  },
];

/** Points the seed's placeholder URLs at the sandboxes; organization B chats on Teams only. */
export async function wireSeedToSandboxes(pool: Pool, urls: { partner: string; slackA: string; teamsB: string }): Promise<void> {
  await pool.query(`update webhook_endpoints set url = $1 || '/' || organization_id`, [urls.partner]);
  await pool.query(`update organizations set slack_webhook_url = $2, teams_webhook_url = null where id = $1`, [DEMO_ORG_A.id, urls.slackA]);
  await pool.query(`update organizations set slack_webhook_url = null, teams_webhook_url = $2 where id = $1`, [DEMO_ORG_B.id, urls.teamsB]);
}
