import { z } from 'zod';
import { channelsByLevelSchema, failoverSchema, preferencesSchema, prioritySchema } from './policy.schema';
import { changeOperations, identifier, operation, priorityLevels, ruleSchema, sqlName } from './rules.schema';

export { changeOperations, priorityLevels } from './rules.schema';
export type { AudienceConfig, RuleConfig } from './rules.schema';

// Realtime accepts only these operators reliably on the hosted fleet (realtime-protocol.md §2.3).
const realtimeFilter = z
  .string()
  .regex(/^[a-z_][a-z0-9_]*=(eq|neq|lt|lte|gt|gte|in)\..+$/, 'must look like column=op.value with op in eq,neq,lt,lte,gt,gte,in');

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
  })
  .strict();

const rateLimit = z
  .object({
    max: z.number().int().positive().describe('Requests allowed per window'),
    perMs: z.number().int().positive().describe('Window length in milliseconds'),
    maxConcurrent: z.number().int().positive().default(8).describe('Requests in flight at once'),
  })
  .strict();

const webhookEndpoint = z
  .object({
    name: identifier,
    url: z.url({ protocol: /^https?$/ }),
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
  })
  .strict();

const retry = z
  .object({
    attempts: z.number().int().min(1).max(50).default(6).describe('Attempts in all, the first included'),
    minDelayMs: z.number().int().min(0).default(500),
    maxDelayMs: z.number().int().positive().default(30_000),
    factor: z.number().min(1).default(2),
    maxRetryAfterMs: z.number().int().positive().default(120_000).describe('Cap on an honoured Retry-After'),
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
  })
  .strict();

const context = z
  .object({
    cacheMaxEntries: z.number().int().positive().default(5_000),
    cacheTtlMs: z.number().int().positive().default(5 * 60_000).describe('Safety net; changes seen on the stream invalidate sooner'),
  })
  .strict();

const partnerWebhooks = z
  .object({
    allowAddresses: z
      .array(z.string().min(1))
      .default([])
      .describe('Addresses or CIDRs a tenant webhook may reach although private or loopback (tests, on-prem partners)'),
  })
  .strict();

const content = z
  .object({
    appBaseUrl: z.url({ protocol: /^https?$/ }).nullable().default(null).describe('Links in messages point under this URL'),
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
    intake: intake.prefault({}),
    context: context.prefault({}),
    partnerWebhooks: partnerWebhooks.prefault({}),
    content: content.prefault({}),
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
export type IntakeConfig = WorkerConfig['intake'];
export type LimitsConfig = WorkerConfig['limits'];
export type ChangeOperation = (typeof changeOperations)[number];
export type PriorityLevel = (typeof priorityLevels)[number];
