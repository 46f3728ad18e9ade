import { z } from 'zod';
import { escalationSchema } from './escalation.schema';
import { slackAppSchema } from './slack-app.schema';
import { channelsByLevelSchema, failoverSchema, preferencesSchema, prioritySchema } from './policy.schema';
import { httpUrl, isAddressOrCidr } from './url-checks';
import { database, endpointHealth, queue, retention, retry } from './delivery.schema';
import { identifier, ruleSchema } from './rules.schema';
import { intakeModes, subscription } from './subscription.schema';

export type { AudienceConfig, RuleConfig } from './rules.schema';
export { intakeModes } from './subscription.schema';

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
