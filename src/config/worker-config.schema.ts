import { z } from 'zod';
import { escalationSchema } from './escalation.schema';
import { slackAppSchema } from './slack-app.schema';
import { channelsByLevelSchema, failoverSchema, preferencesSchema, prioritySchema } from './policy.schema';
import { httpUrl, isAddressOrCidr } from './url-checks';
import { changeOperations } from '../vocabulary';
import { identifier, operation, ruleSchema, sqlName } from './rules.schema';

export type { AudienceConfig, RuleConfig } from './rules.schema';

// Realtime accepts only these operators reliably on the hosted fleet (realtime-protocol.md §2.3).
const realtimeFilter = z
  .string()
  .regex(/^[a-z_][a-z0-9_]*=(eq|neq|lt|lte|gt|gte|in)\..+$/, 'must look like column=op.value with op in eq,neq,lt,lte,gt,gte,in');

export const intakeModes = ['table', 'outbox', 'broadcast'] as const;

const pageSize = z.number().int().min(1).max(10_000).default(500).describe('Rows read per catch-up query');
const overlapMs = z
  .number()
  .int()
  .min(0)
  .default(5_000)
  .describe('Catch-up re-reads this far behind its cursor: the stamp is set at transaction start, and a longer transaction commits after later stamps');

const tableCatchUp = z
  .object({
    column: sqlName.default('updated_at').describe('Timestamp column every write sets (set_updated_at() keeps it)'),
    createdColumn: sqlName
      .nullable()
      .default('created_at')
      .describe('A row whose created and updated stamps are equal is reported as an INSERT, otherwise as an UPDATE; null: always UPDATE'),
    overlapMs,
    pageSize,
  })
  .strict();

const outboxIntake = z
  .object({
    table: sqlName.default('change_outbox').describe('Outbox table, in the subscription schema'),
    pageSize,
    gapGraceMs: z
      .number()
      .int()
      .positive()
      .default(30_000)
      .describe('An outbox id missing below newer ones is waited for this long (its transaction may still commit) before the cursor passes it'),
  })
  .strict();

const broadcastIntake = z
  .object({
    topic: z.string().min(1).max(200).default('wedsync-changes').describe('Topic the broadcast_change() trigger sends to'),
    private: z.boolean().default(true).describe('Join as a private channel (realtime.broadcast_changes sends private messages)'),
    messagesTable: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/, 'must be schema.table')
      .default('realtime.messages')
      .describe('Where catch-up reads broadcast messages back (kept 72 h by Supabase)'),
    overlapMs,
    pageSize,
  })
  .strict();

const subscription = z
  .object({
    name: identifier.describe('Unique name; shows on /readyz and in logs'),
    schema: sqlName.default('public'),
    table: sqlName,
    events: z.array(operation).min(1).default([...changeOperations]).describe('Operations to act on'),
    filter: realtimeFilter.optional().describe('Optional Realtime filter, e.g. organization_id=eq.42'),
    primaryKey: z.array(sqlName).min(1).default(['id']).describe('Columns that identify a row'),
    organizationIdColumn: sqlName.default('organization_id').describe('Column naming the tenant'),
    weddingIdColumn: sqlName
      .nullable()
      .default('wedding_id')
      .describe('Column naming the wedding ("id" for the weddings table; null for organization-wide tables)'),
    mode: z
      .enum(intakeModes)
      .default('table')
      .describe(
        'How changes arrive: "table" (postgres_changes on the table itself), "outbox" (rows the capture_change trigger writes to an outbox table; complete, DELETEs included, recommended), "broadcast" (Broadcast from Database)',
      ),
    versionColumn: sqlName
      .optional()
      .describe('Table mode: a row-version column (e.g. updated_at) that replaces the commit time in the event id, so a change read back by catch-up gets the id it had live. Defaults to catchUp.column when catchUp is set'),
    catchUp: tableCatchUp.optional().describe('Table mode: re-read rows changed while not live, by a timestamp column. Absent: no catch-up'),
    outbox: outboxIntake.optional().describe('Outbox mode settings; subscriptions naming the same outbox table share one Realtime channel'),
    broadcast: broadcastIntake.optional().describe('Broadcast mode settings; subscriptions naming the same topic share one channel'),
    notLiveGraceMs: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('After having been live, how long the subscription may stay not live before /readyz turns 503 (0: at once)'),
  })
  .strict();

const rateLimit = z
  .object({
    max: z.number().int().positive().nullable().describe('Requests allowed per window; null: no rate, only maxConcurrent'),
    perMs: z.number().int().positive().describe('Window length in milliseconds'),
    maxConcurrent: z.number().int().positive().default(8).describe('Requests in flight at once'),
  })
  .strict();

const webhookEndpoint = z
  .object({
    name: identifier,
    url: httpUrl(),
    secretEnv: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]*$/, 'must name an environment variable')
      .describe('Environment variable holding the whsec_ signing secret(s), space-separated for rotation'),
    rateLimit: rateLimit.default({ max: 100, perMs: 60_000, maxConcurrent: 8 }),
    timeoutMs: z.number().int().positive().default(10_000).describe('Per-attempt timeout'),
  })
  .strict();

const limits = z
  .object({
    email: rateLimit.default({ max: 2, perMs: 1_000, maxConcurrent: 2 }).describe('Resend: per team'),
    sms: rateLimit.default({ max: 1, perMs: 1_000, maxConcurrent: 1 }).describe('Twilio: per sender number'),
    slack: rateLimit.default({ max: 1, perMs: 1_000, maxConcurrent: 1 }).describe('Slack: per incoming webhook'),
    teams: rateLimit.default({ max: 4, perMs: 1_000, maxConcurrent: 2 }).describe('Teams: per Workflows webhook'),
    in_app: rateLimit.default({ max: 500, perMs: 1_000, maxConcurrent: 16 }).describe('Writes to the notifications table'),
    tenantWebhookTimeoutMs: z.number().int().positive().default(10_000),
    emailTimeoutMs: z.number().int().positive().default(10_000).describe('A Resend request without an answer by then is retried'),
    smsTimeoutMs: z.number().int().positive().default(10_000).describe('A Twilio request without an answer by then is retried'),
    redisNamespace: z
      .string()
      .regex(/^[a-z0-9_-]{1,40}$/)
      .default('wedsync')
      .describe('Prefix of the shared limiter keys in Redis; replicas of one deployment must share it'),
  })
  .strict();

const ladder = z.array(z.number().int().positive()).min(1);
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

const retry = z
  .object({
    attempts: z.number().int().min(1).max(50).default(3).describe('Quick in-process attempts per run, the first included'),
    minDelayMs: z.number().int().min(0).default(500).describe('Backoff between quick attempts'),
    maxDelayMs: z.number().int().positive().default(5_000),
    factor: z.number().min(1).default(2),
    maxRetryAfterMs: z.number().int().positive().default(120_000).describe('Cap on an honoured Retry-After between quick attempts'),
    maxInPlaceRetryAfterMs: z
      .number()
      .int()
      .min(0)
      .default(1_000)
      .describe('With a database, a longer Retry-After ends the run and reschedules the delivery, so no queue slot sleeps through it'),
    schedule: z
      .object({
        critical: ladder.default([2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND]),
        high: ladder.default([5 * SECOND, 30 * SECOND, 2 * MINUTE, 10 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 5 * HOUR]),
        normal: ladder.default([5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR]),
        low: ladder.default([5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR]),
      })
      .strict()
      .prefault({})
      .describe('Durable waits between runs, per level; when a ladder ends the delivery is a dead letter'),
    jitter: z.number().min(0).max(1).default(0.2).describe('Each durable wait varies by up to this fraction, either way'),
    maxScheduledRetryAfterMs: z.number().int().positive().default(24 * HOUR).describe('Cap on an honoured Retry-After between runs'),
  })
  .strict();

const queue = z
  .object({
    schema: sqlName.default('graphile_worker').describe("graphile-worker's schema"),
    concurrency: z
      .number()
      .int()
      .positive()
      .default(16)
      .describe('Deliveries run at once by each of this process\'s two runners: critical and high ones (taken one at a time, so none waits behind jobs fetched before it) and normal and low ones (taken in batches by graphile-worker\'s local queue of this size). Delivering gets a database pool of its own of concurrency + 7 connections (one per job the urgent runner takes, the bulk runner\'s batched take and completion, a LISTEN each, the ledger, a spare; pool-size.ts), beside the 10 of deciding, so a burst of decisions cannot hold deliveries back; each replica opens concurrency + 17 connections'),
    pollIntervalMs: z.number().int().positive().default(2_000).describe('Poll for scheduled retries; new jobs arrive by LISTEN/NOTIFY'),
    maxWaitingPerDestination: z
      .number()
      .int()
      .positive()
      .default(4)
      .describe('More jobs than this waiting on one rate limit are put back, so one slow destination cannot hold every slot'),
    heartbeatMs: z.number().int().positive().default(5_000).describe('How often this process says it is alive'),
    deadWorkerAfterMs: z
      .number()
      .int()
      .positive()
      .default(30_000)
      .describe('A process silent this long is presumed dead and its jobs are unlocked for the others'),
  })
  .strict();

const database = z
  .object({
    statementTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(15_000)
      .describe("Every query of the worker's pool is cancelled after this (statement_timeout): a locked table fails a delivery, retryably, instead of holding a connection"),
  })
  .strict();

const DAY = 24 * HOUR;
const retention = z
  .object({
    deliveredMs: z.number().int().positive().default(30 * DAY).describe('Delivered ledger rows are deleted this long after they finished'),
    deadLetterMs: z
      .number()
      .int()
      .positive()
      .default(90 * DAY)
      .describe('Dead letters (and failed-over links of a chain) are deleted this long after they finished; replay them before'),
    deadEventMs: z.number().int().positive().default(90 * DAY).describe('Changes that could not be decided on are deleted this long after they were recorded'),
    pruneEveryMs: z.number().int().positive().default(HOUR).describe('How often the worker prunes; one replica at a time'),
  })
  .strict();

const endpointHealth = z
  .object({
    failureThreshold: z.number().int().positive().default(5).describe('Consecutive failures that open the circuit'),
    openForMs: z.number().int().positive().default(30_000).describe('How long an open circuit waits before a probe'),
    disableAfterMs: z.number().int().positive().default(5 * 24 * HOUR).describe('Continuous failure after which a partner endpoint is disabled'),
  })
  .strict();

const intake = z
  .object({
    dedupeWindowMs: z.number().int().positive().default(15 * 60_000).describe('Repeats of a change inside this window are dropped'),
    dedupeMaxEntries: z.number().int().positive().default(200_000),
    heartbeatIntervalMs: z.number().int().positive().default(15_000).describe('Realtime heartbeat; a silent socket is noticed within about two of these'),
    joinTimeoutMs: z.number().int().positive().default(10_000),
    liveTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(30_000)
      .describe('A channel joined or errored for longer than this without going live is rebuilt'),
    rebuildDelaysMs: z
      .array(z.number().int().positive())
      .min(1)
      .default([1_000, 2_000, 5_000, 10_000, 30_000])
      .describe('Backoff before rebuilding a channel the server closed; the last value repeats'),
    leaseTtlMs: z
      .number()
      .int()
      .min(1_000)
      .default(5_000)
      .describe('With a database, a replica holds a stream by a lease this long; a standby takes over a stream whose holder stopped renewing after about this'),
    leaseRenewMs: z
      .number()
      .int()
      .positive()
      .default(1_000)
      .describe('Heart-beat of the intake leases: renew what is held, look for streams to take over (well under leaseTtlMs)'),
  })
  .strict()
  .refine((i) => i.leaseRenewMs * 2 <= i.leaseTtlMs, { message: 'leaseRenewMs must be at most half of leaseTtlMs', path: ['leaseRenewMs'] });

const context = z
  .object({
    // One entry a (organization, wedding) in use, ~5.6 KB of heap each (a wedding with 8 people
    // and an endpoint, measured): 12,000 (~67 MB) holds a Saturday's 10,000 weddings and the
    // organizations' own contexts, so a day's changes stop missing once each wedding was read.
    cacheMaxEntries: z
      .number()
      .int()
      .positive()
      .default(12_000)
      .describe('Tenant contexts cached, one per (organization, wedding) in use, ~5.6 KB each; size it to the weddings of a busy day'),
    cacheTtlMs: z.number().int().positive().default(5 * 60_000).describe('Safety net; changes seen on the stream invalidate sooner'),
  })
  .strict();

const partnerWebhooks = z
  .object({
    allowAddresses: z
      .array(z.string().refine(isAddressOrCidr, 'must be an IP address or a CIDR such as 10.0.0.0/8'))
      .default([])
      .describe('Addresses or CIDRs a tenant webhook may reach although private or loopback (tests, on-prem partners)'),
  })
  .strict();

const content = z
  .object({
    appBaseUrl: httpUrl().nullable().default(null).describe('Links in messages point under this URL'),
  })
  .strict();

export const workerConfigSchema = z
  .object({
    $schema: z.string().optional(),
    subscriptions: z.array(subscription).min(1),
    webhookEndpoints: z.array(webhookEndpoint).default([]),
    rules: z.array(ruleSchema).default([]),
    priority: prioritySchema.prefault({}),
    channelsByLevel: channelsByLevelSchema.prefault({}),
    preferences: preferencesSchema.prefault({}),
    failover: failoverSchema.prefault({}),
    limits: limits.prefault({}),
    retry: retry.prefault({}),
    queue: queue.prefault({}),
    endpointHealth: endpointHealth.prefault({}),
    database: database.prefault({}),
    retention: retention.prefault({}),
    intake: intake.prefault({}),
    context: context.prefault({}),
    partnerWebhooks: partnerWebhooks.prefault({}),
    content: content.prefault({}),
    escalation: escalationSchema.prefault({}),
    slackApp: slackAppSchema.prefault({}),
  })
  .strict()
  // `when` runs the cross-checks even when other keys failed, so one start reports every
  // problem; the data may then be partly invalid, hence the defensive reads.
  .superRefine((config, ctx) => crossCheck(config as Partial<Record<string, unknown>>, ctx), { when: () => true });

function crossCheck(config: Partial<Record<string, unknown>>, ctx: z.RefinementCtx): void {
  const list = (value: unknown): Record<string, unknown>[] =>
    Array.isArray(value) ? value.filter((x): x is Record<string, unknown> => !!x && typeof x === 'object') : [];
  reportDuplicates(list(config.subscriptions).map((s) => s.name), ['subscriptions'], ctx);
  reportDuplicates(list(config.webhookEndpoints).map((e) => e.name), ['webhookEndpoints'], ctx);
  reportDuplicates(list(config.rules).map((r) => r.name), ['rules'], ctx);
  const endpoints = new Set(list(config.webhookEndpoints).map((e) => e.name));
  list(config.rules).forEach((rule, i) => {
    list(rule.audiences).forEach((audience, j) => {
      if (audience.type === 'endpoint' && typeof audience.name === 'string' && !endpoints.has(audience.name)) {
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'audiences', j, 'name'], message: `no webhook endpoint named "${audience.name}"` });
      }
    });
  });
  const retryConfig = config.retry as { minDelayMs?: unknown; maxDelayMs?: unknown } | undefined;
  if (typeof retryConfig?.minDelayMs === 'number' && typeof retryConfig.maxDelayMs === 'number' && retryConfig.maxDelayMs < retryConfig.minDelayMs) {
    ctx.addIssue({ code: 'custom', path: ['retry', 'maxDelayMs'], message: 'must be at least minDelayMs' });
  }
}

function reportDuplicates(names: unknown[], path: (string | number)[], ctx: z.RefinementCtx): void {
  const seen = new Set<unknown>();
  names.forEach((name, i) => {
    if (typeof name !== 'string') return;
    if (seen.has(name)) ctx.addIssue({ code: 'custom', path: [...path, i, 'name'], message: `duplicate name "${name}"` });
    seen.add(name);
  });
}

export type WorkerConfig = z.infer<typeof workerConfigSchema>;
export type SubscriptionConfig = WorkerConfig['subscriptions'][number];
export type WebhookEndpointConfig = WorkerConfig['webhookEndpoints'][number];
export type RetryConfig = WorkerConfig['retry'];
export type QueueConfig = WorkerConfig['queue'];
export type EndpointHealthConfig = WorkerConfig['endpointHealth'];
export type DatabaseConfig = WorkerConfig['database'];
export type RetentionConfig = WorkerConfig['retention'];
export type IntakeConfig = WorkerConfig['intake'];
export type LimitsConfig = WorkerConfig['limits'];
export type IntakeMode = (typeof intakeModes)[number];
