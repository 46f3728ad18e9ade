import { z } from 'zod';

const identifier = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,62}$/, 'must be lower-case letters, digits, "-" or "_", starting with a letter');
const sqlName = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a plain lower-case SQL identifier');
export const changeOperations = ['INSERT', 'UPDATE', 'DELETE'] as const;
const operation = z.enum(changeOperations);
export const priorityLevels = ['critical', 'high', 'normal', 'low'] as const;
const priorityLevel = z.enum(priorityLevels);

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

const deliveryTarget = z.discriminatedUnion('channel', [
  z.object({ channel: z.literal('webhook'), endpoint: identifier }).strict(),
]);

const rule = z
  .object({
    name: identifier,
    match: z
      .object({
        table: sqlName,
        schema: sqlName.default('public'),
        events: z.array(operation).min(1).default([...changeOperations]),
        changedColumns: z
          .array(sqlName)
          .min(1)
          .optional()
          .describe('UPDATE only: match when any of these columns changed (needs REPLICA IDENTITY FULL)'),
      })
      .strict(),
    priority: priorityLevel.default('normal').describe('Priority of deliveries this rule plans'),
    deliver: z.array(deliveryTarget).min(1),
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

export const workerConfigSchema = z
  .object({
    $schema: z.string().optional(),
    subscriptions: z.array(subscription).min(1),
    webhookEndpoints: z.array(webhookEndpoint).default([]),
    rules: z.array(rule).default([]),
    retry: retry.default(retry.parse({})),
    intake: intake.default(intake.parse({})),
  })
  .strict()
  // `when` runs the cross-checks even when other keys failed, so one start reports every
  // problem; the data may then be partly invalid, hence the defensive reads.
  .superRefine((config, ctx) => crossCheck(config as Partial<Record<string, unknown>>, ctx), { when: () => true });

function crossCheck(config: Partial<Record<string, unknown>>, ctx: z.RefinementCtx): void {
  const list = (key: string): Record<string, unknown>[] =>
    Array.isArray(config[key]) ? (config[key] as unknown[]).filter((x): x is Record<string, unknown> => !!x && typeof x === 'object') : [];
  reportDuplicates(list('subscriptions').map((s) => s.name), ['subscriptions'], ctx);
  reportDuplicates(list('webhookEndpoints').map((e) => e.name), ['webhookEndpoints'], ctx);
  reportDuplicates(list('rules').map((r) => r.name), ['rules'], ctx);
  const endpoints = new Set(list('webhookEndpoints').map((e) => e.name));
  list('rules').forEach((rule, i) => {
    const targets = Array.isArray(rule.deliver) ? (rule.deliver as Record<string, unknown>[]) : [];
    targets.forEach((target, j) => {
      if (target?.channel === 'webhook' && typeof target.endpoint === 'string' && !endpoints.has(target.endpoint)) {
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'deliver', j, 'endpoint'], message: `no webhook endpoint named "${target.endpoint}"` });
      }
    });
  });
  const retry = config.retry as { minDelayMs?: unknown; maxDelayMs?: unknown } | undefined;
  if (typeof retry?.minDelayMs === 'number' && typeof retry.maxDelayMs === 'number' && retry.maxDelayMs < retry.minDelayMs) {
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
export type RuleConfig = WorkerConfig['rules'][number];
export type RetryConfig = WorkerConfig['retry'];
export type IntakeConfig = WorkerConfig['intake'];
export type ChangeOperation = (typeof changeOperations)[number];
export type PriorityLevel = (typeof priorityLevels)[number];
