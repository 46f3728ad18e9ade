import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { channelKinds } from '../../src/vocabulary';
import { loadConfig, type Config } from '../../src/config/load-config';
import type { EventContext, Person, TenantWebhookEndpoint } from '../../src/context/event-context';
import { planSettingsFrom, type PlanSettings } from '../../src/decide/plan';
import { buildChangeData, type ChangeSpec } from '../../test/support/realtime-server-changes';
import { ROOT } from './processes';

/**
 * What the decide stage works on, built from the shipped rules (config/worker.example.json, read
 * by the real loader) and an in-memory tenant: several organizations, each with one wedding, its
 * vendors, its couple, the organization's staff and two partner endpoints. The weddings sit at
 * different distances from "now" (today, in 3 days, 10 days, 2 months, 8 months) so every
 * priority branch is taken, in several time zones.
 */
export interface DecisionWorld {
  readonly config: Config;
  readonly settings: PlanSettings;
  readonly contexts: ReadonlyMap<string, EventContext>;
  /** The realtime-js callback payloads the intake validates, one per change, varied. */
  readonly payloads: readonly { payload: Record<string, unknown>; subscription: Config['worker']['subscriptions'][number]; contextKey: string }[];
  /** The same changes as the Phoenix text frames the socket receives (for the JSON.parse floor). */
  readonly frames: readonly string[];
  readonly nowMs: number;
}

const SECRET = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
const ZONES = ['Europe/London', 'America/New_York', 'Pacific/Auckland', 'Asia/Kolkata', 'America/Los_Angeles'];
const DAYS_AWAY = [0, 3, 10, 60, 240];
const VENDOR_ROLES = ['photographer', 'venue', 'florist', 'planner', 'caterer', 'dj'];
const STAFF_ROLES = [['owner'], ['planner'], ['coordinator'], ['finance']];

/** The shipped rules, with table-mode subscriptions (the payloads below are postgres_changes). */
export function exampleConfig(env: Record<string, string> = {}): Config {
  const example = JSON.parse(readFileSync(join(ROOT, 'config/worker.example.json'), 'utf8')) as Record<string, unknown>;
  const file = {
    ...example,
    subscriptions: (example.subscriptions as { mode?: string }[]).map((s) => ({ ...s, mode: 'table' })),
  };
  return loadConfig({
    env: {
      SUPABASE_URL: 'http://127.0.0.1:9',
      SUPABASE_SERVICE_ROLE_KEY: 'bench-service-role-key-0123456789',
      // Rules with tenant audiences need a database to be accepted; nothing connects to it here.
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      WEBHOOK_SECRET_OPS_ARCHIVE: SECRET,
      CONFIG_FILE: 'example.json',
      ...env,
    },
    readFile: () => JSON.stringify(file),
  });
}

/** PlanSettings exactly as src/app.ts builds them, with every channel configured. */
export function planSettings(config: Config): PlanSettings {
  return planSettingsFrom(config.worker, new Set(channelKinds));
}

function uuid(group: number, n: number): string {
  return `00000000-0000-4000-8${String(group).padStart(3, '0')}-${String(n).padStart(12, '0')}`;
}

function tenant(i: number, nowMs: number): EventContext {
  const org = uuid(1, i);
  const zone = ZONES[i % ZONES.length]!;
  const date = DateTime.fromMillis(nowMs, { zone }).plus({ days: DAYS_AWAY[i % DAYS_AWAY.length]! }).toISODate()!;
  const base = { organizationId: org, phone: '+14155550100' };
  const prefs = (k: number) => ({
    optOutChannels: k % 5 === 0 ? (['sms'] as const) : [],
    quietHours: k % 3 === 0 ? { start: '22:00', end: '07:00' } : null,
    timeZone: zone,
    hourlyCap: null,
  });
  const person = (kind: Person['kind'], k: number, roles: string[]): Person => ({
    ...base,
    kind,
    id: uuid(kind === 'vendor' ? 2 : kind === 'client' ? 3 : 4, i * 100 + k),
    name: `${kind} ${k}`,
    email: `${kind}${k}@example.com`,
    roles,
    preferences: prefs(k),
  });
  const endpoint = (k: number, eventTypes: string[]): TenantWebhookEndpoint => ({
    id: uuid(5, i * 100 + k),
    organizationId: org,
    name: `crm-${k}`,
    url: `https://crm${k}.example.com/hooks/wedsync`,
    secrets: [SECRET],
    eventTypes,
    enabled: true,
    rateLimitPerMinute: 100,
  });
  return {
    organization: { id: org, name: `Org ${i}`, timeZone: zone, slackWebhookUrl: 'https://hooks.slack.com/services/T0/B0/x', teamsWebhookUrl: null },
    wedding: { id: uuid(6, i), organizationId: org, coupleName: 'Ana & Bo', date, timeZone: zone, venueName: 'The Barn', status: 'planned' },
    people: [
      ...VENDOR_ROLES.map((role, k) => person('vendor', k, [role])),
      person('client', 0, ['couple']),
      person('client', 1, ['couple']),
      ...STAFF_ROLES.map((roles, k) => person('staff', k, roles)),
    ],
    webhookEndpoints: [endpoint(0, ['*']), endpoint(1, ['payment.received', 'payment.failed', 'wedding.date_changed'])],
  };
}

/** One change of the mix: which table, and the row it carries. Emergencies are rare, as in life. */
function changeFor(n: number, ctx: EventContext, commitMs: number): ChangeSpec {
  const org = ctx.organization.id;
  const wedding = ctx.wedding!.id;
  const vendors = ctx.people.filter((p) => p.kind === 'vendor').map((p) => p.id);
  const commitTimestamp = new Date(commitMs).toISOString();
  const id = uuid(7, n);
  const common = { id, organization_id: org, wedding_id: wedding };
  switch (n % 50 === 49 ? 'alert' : ['form', 'payment', 'timeline', 'date', 'journey', 'client', 'payment-failed'][n % 7]) {
    case 'alert':
      return { table: 'wedding_alerts', type: 'INSERT', record: { ...common, severity: 'emergency', message: 'Venue flooded' }, commitTimestamp };
    case 'form':
      return { table: 'form_responses', type: 'INSERT', record: { ...common, vendor_id: vendors[n % vendors.length], form_name: 'Menu choice', answers: { starter: 'soup', main: 'fish' } }, commitTimestamp };
    case 'payment':
      return { table: 'payments', type: 'UPDATE', record: { ...common, vendor_id: vendors[0], amount_cents: 125_000, currency: 'GBP', status: 'received' }, oldRecord: { ...common, vendor_id: vendors[0], amount_cents: 125_000, currency: 'GBP', status: 'pending' }, commitTimestamp };
    case 'payment-failed':
      return { table: 'payments', type: 'INSERT', record: { ...common, vendor_id: vendors[1], amount_cents: 9_900, currency: 'GBP', status: 'failed' }, commitTimestamp };
    case 'timeline':
      return { table: 'timeline_events', type: 'UPDATE', record: { ...common, title: 'First dance', starts_at: '2027-06-12T19:30:00Z', vendor_ids: vendors.slice(0, 3) }, oldRecord: { id }, commitTimestamp };
    case 'date':
      return { table: 'weddings', type: 'UPDATE', record: { id: wedding, organization_id: org, wedding_date: ctx.wedding!.date, couple_name: 'Ana & Bo' }, oldRecord: { id: wedding, organization_id: org, wedding_date: '2028-01-01', couple_name: 'Ana & Bo' }, commitTimestamp };
    case 'journey':
      return { table: 'journey_progress', type: 'UPDATE', record: { ...common, step: 'tasting', status: 'completed' }, oldRecord: { ...common, step: 'tasting', status: 'in_progress' }, commitTimestamp };
    default:
      return { table: 'clients', type: 'UPDATE', record: { ...common, first_name: 'Ana', email: 'ana@example.com' }, oldRecord: { id }, commitTimestamp };
  }
}

export function decisionWorld({ tenants = 25, changes = 5_000 } = {}): DecisionWorld {
  const nowMs = Date.now();
  const config = exampleConfig();
  const contexts = new Map<string, EventContext>();
  for (let i = 0; i < tenants; i += 1) contexts.set(String(i), tenant(i, nowMs));
  const byTable = new Map(config.worker.subscriptions.map((s) => [s.table, s]));
  const payloads: DecisionWorld['payloads'][number][] = [];
  const frames: string[] = [];
  for (let n = 0; n < changes; n += 1) {
    const contextKey = String(n % tenants);
    const spec = changeFor(n, contexts.get(contextKey)!, nowMs - 1_000 + n);
    const data = buildChangeData(spec) as { schema: string; table: string; commit_timestamp: string; type: string; record?: object; old_record?: object; errors: null };
    frames.push(JSON.stringify([null, null, `realtime:${spec.table}`, 'postgres_changes', { ids: [1], data }]));
    // What realtime-js hands the callback: `type` becomes eventType, record/old_record become new/old.
    const payload = { schema: data.schema, table: data.table, commit_timestamp: data.commit_timestamp, eventType: data.type, new: data.record ?? {}, old: data.old_record ?? {}, errors: data.errors };
    payloads.push({ payload, subscription: byTable.get(spec.table)!, contextKey });
  }
  return { config, settings: planSettings(config), contexts, payloads, frames, nowMs };
}
