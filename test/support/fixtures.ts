import type { Queryable } from '../../src/lib/queryable';

// Builders for tenant rows in a test schema (a pool from createTestSchema, or a client inside a
// transaction). Each fills in what the test does not care about and returns the new row's id.

/** Column values by camelCase key; an interface is accepted as well as a record. */
type Row = object;

let sequence = 0;
const next = (): number => ++sequence;

const snakeCase = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function columns(values: Row): [string[], unknown[]] {
  const defined = Object.entries(values as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return [defined.map(([k]) => snakeCase(k)), defined.map(([, v]) => v)];
}

/** One row; keys in camelCase, undefined values left to the column default. */
export async function insertRow(db: Queryable, table: string, values: Row): Promise<string> {
  const [names, params] = columns(values);
  const { rows } = await db.query<{ id: string }>({
    text: `insert into "${table}" (${names.map((n) => `"${n}"`).join(', ')}) values (${params.map((_, i) => `$${i + 1}`).join(', ')}) returning id`,
    values: params,
  });
  return rows[0]!.id;
}

/** Many rows in one statement; every row must have the same keys (camelCase). */
export async function insertRows(db: Queryable, table: string, rows: readonly Row[]): Promise<void> {
  const first = rows[0];
  if (!first) return;
  const list = Object.keys(first).map((k) => `"${snakeCase(k)}"`).join(', ');
  const json = rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [snakeCase(k), v])));
  await db.query({
    text: `insert into "${table}" (${list}) select ${list} from jsonb_populate_recordset(null::"${table}", $1)`,
    values: [JSON.stringify(json)],
  });
}

export interface OrganizationInput {
  id?: string;
  name?: string;
  timeZone?: string;
  slackWebhookUrl?: string | null;
  teamsWebhookUrl?: string | null;
  appBaseUrl?: string | null;
}

export function insertOrganization(db: Queryable, overrides: OrganizationInput = {}): Promise<string> {
  return insertRow(db, 'organizations', { name: `Organization ${next()}`, timeZone: 'America/New_York', ...overrides });
}

interface Owned {
  organizationId: string;
  id?: string;
}

export interface StaffInput extends Owned {
  name?: string;
  role?: 'owner' | 'planner' | 'coordinator' | 'finance';
  email?: string | null;
  phone?: string | null;
  slackUserId?: string | null;
}

export function insertStaff(db: Queryable, input: StaffInput): Promise<string> {
  const n = next();
  return insertRow(db, 'organization_staff', { name: `Staff ${n}`, role: 'planner', email: `staff${n}@example.com`, phone: '+14155550100', ...input });
}

export interface WeddingInput extends Owned {
  coupleName?: string;
  /** YYYY-MM-DD; 30 days from now by default. */
  weddingDate?: string;
  timeZone?: string;
  venueName?: string | null;
  status?: 'planned' | 'confirmed' | 'completed' | 'cancelled';
}

export function insertWedding(db: Queryable, input: WeddingInput): Promise<string> {
  const inThirtyDays = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  return insertRow(db, 'weddings', {
    coupleName: 'Alex & Sam',
    weddingDate: inThirtyDays,
    timeZone: 'America/New_York',
    venueName: 'Rosewood Manor',
    ...input,
  });
}

export interface VendorInput extends Owned {
  name?: string;
  category?: string | null;
  email?: string | null;
  phone?: string | null;
}

export function insertVendor(db: Queryable, input: VendorInput): Promise<string> {
  const n = next();
  return insertRow(db, 'vendors', { name: `Vendor ${n}`, category: 'photography', email: `vendor${n}@example.com`, phone: '+14155550110', ...input });
}

export interface AssignmentInput {
  organizationId: string;
  weddingId: string;
  vendorId: string;
  role?: string;
}

export async function assignVendor(db: Queryable, input: AssignmentInput): Promise<void> {
  await insertRows(db, 'wedding_vendors', [{ role: 'photographer', ...input }]);
}

export interface ClientInput extends Owned {
  weddingId: string;
  name?: string;
  email?: string | null;
  phone?: string | null;
}

export function insertClient(db: Queryable, input: ClientInput): Promise<string> {
  const n = next();
  return insertRow(db, 'clients', { name: `Client ${n}`, email: `client${n}@example.com`, phone: '+14155550120', ...input });
}

export interface PreferencesInput extends Owned {
  personKind: 'vendor' | 'client' | 'staff';
  personId: string;
  optOutChannels?: string[];
  /** HH:MM */
  quietHoursStart?: string | null;
  quietHoursEnd?: string | null;
  timeZone?: string | null;
  hourlyCap?: number | null;
}

export function insertPreferences(db: Queryable, input: PreferencesInput): Promise<string> {
  return insertRow(db, 'notification_preferences', input);
}

export interface WebhookEndpointInput extends Owned {
  name?: string;
  url?: string;
  /** One or more whsec_ secrets separated by spaces. */
  secret?: string;
  eventTypes?: string[];
  enabled?: boolean;
  rateLimitPerMinute?: number;
}

export function insertWebhookEndpoint(db: Queryable, input: WebhookEndpointInput): Promise<string> {
  return insertRow(db, 'webhook_endpoints', {
    name: `endpoint-${next()}`,
    url: 'http://127.0.0.1:9/hooks',
    secret: `whsec_${Buffer.from('fixture-webhook-signing-key-32by').toString('base64')}`,
    ...input,
  });
}
