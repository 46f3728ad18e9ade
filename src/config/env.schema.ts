import { z } from 'zod';
import { parseCredentialKeys } from '../connections/credential-keys';
import { httpUrl, postgresUrlProblem, redisUrlProblem } from './url-checks';

/** A check that returns its problem (never quoting the value) as a zod issue. */
const reportProblem = (check: (value: string) => string | null) => (value: string, ctx: z.RefinementCtx) => {
  const problem = check(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
};

const port = z.coerce.number().int().min(0).max(65535);
const positiveMs = z.coerce.number().int().positive();

/**
 * Process environment: secrets and endpoints only. Rules and limits live in the JSON config file,
 * so that a deploy can change routing without touching secrets, and secrets never sit in a file
 * that is committed.
 */
export const envSchema = z.object({
  SUPABASE_URL: httpUrl().describe('Supabase project URL, e.g. https://<ref>.supabase.co'),
  SUPABASE_SERVICE_ROLE_KEY: z
    .string()
    .min(20, 'must be the service-role key (a JWT or sb_secret_… key)')
    .describe('Service-role key; used as the Realtime apikey. Secret.'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection string')
    .superRefine(reportProblem(postgresUrlProblem))
    .optional()
    .describe('Direct PostgreSQL connection (session pooler on hosted Supabase). Secret.'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .superRefine(reportProblem(redisUrlProblem))
    .optional()
    .describe('Shares rate limits across replicas. Optional; a single replica runs without it.'),
  CONFIG_FILE: z.string().min(1).default('config/worker.json').describe('Path to the JSON rules file'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  HEALTH_HOST: z.string().min(1).default('0.0.0.0'),
  HEALTH_PORT: port.default(8080).describe('Port of /livez, /readyz; 0 picks a free port'),
  RESEND_API_KEY: z.string().regex(/^re_\w+$/, 'must be a Resend API key (re_…)').optional().describe('Enables email. Secret.'),
  EMAIL_FROM: z.string().min(3).optional().describe('Sender, e.g. "WedSync <notify@mail.example.com>" on a verified domain'),
  RESEND_BASE_URL: z.url().optional().describe('Only for sandboxes and tests: where the Resend SDK sends'),
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex digits').optional().describe('Enables SMS'),
  TWILIO_AUTH_TOKEN: z.string().min(16).optional().describe('Secret'),
  TWILIO_FROM: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +14155550100').optional(),
  TWILIO_BASE_URL: z.url().optional().describe('Only for sandboxes and tests: where the Twilio SDK sends'),
  CONNECTION_KEYS: z
    .string()
    .superRefine((value, ctx) => {
      const parsed = parseCredentialKeys(value);
      if ('problems' in parsed) for (const message of parsed.problems) ctx.addIssue({ code: 'custom', message });
    })
    .optional()
    .describe('Keys sealing partner credentials, "id:base64 id:base64", the first one current; enables partner connections. Secret.'),
  VSCO_WORKSPACE_BASE_URL: z.url().optional().describe('Only for sandboxes and tests: VSCO Workspace API v2 base'),
  LIGHT_BLUE_BASE_URL: z.url().optional().describe('Only for sandboxes and tests: the Light Blue api.php URL'),
  TRIPLESEAT_BASE_URL: z.url().optional().describe('Only for sandboxes and tests: Tripleseat API and token host'),
  MAILCHIMP_BASE_URL: z.string().optional().describe('Only for sandboxes and tests: Mailchimp API base, {dc} replaced by the key\'s data center'),
  CONSTANT_CONTACT_BASE_URL: z.url().optional().describe('Only for sandboxes and tests: Constant Contact API v3 base'),
  CONSTANT_CONTACT_AUTH_URL: z.url().optional().describe('Only for sandboxes and tests: Constant Contact authorization server (…/oauth2/default/v1)'),
  PUBLIC_HOST: z.string().min(1).default('0.0.0.0').describe('Interface of the public listener (Slack, Twilio, acknowledge links)'),
  PUBLIC_PORT: port.optional().describe('Port of the public routes, apart from the operator routes of HEALTH_PORT; unset: no public listener. The one port to expose to the internet'),
  PUBLIC_BASE_URL: httpUrl().optional().describe('How the internet reaches PUBLIC_PORT, e.g. https://worker.example.com: acknowledge links point there and Twilio signs it'),
  ACK_LINK_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length >= 32, 'must be at least 32 bytes, base64-encoded')
    .optional()
    .describe('Signs acknowledge links and buttons (HMAC-SHA256). Secret.'),
  SLACK_SIGNING_SECRET: z.string().min(16).optional().describe("The Slack app's signing secret; enables the interactions route. Secret."),
  SLACK_API_URL: z.url().optional().describe('Only for sandboxes and tests: where @slack/web-api sends, ending in /'),
  SHUTDOWN_TIMEOUT_MS: positiveMs
    .default(20_000)
    .describe('Deadline of the whole stop after the first SIGTERM; the orchestrator grace period must be at least this plus 5 s'),
});

export type Env = z.infer<typeof envSchema>;

/** Variables that only make sense together: a half-configured provider is a start-up error. */
export const ENV_GROUPS: readonly (readonly (keyof Env)[])[] = [
  ['RESEND_API_KEY', 'EMAIL_FROM'],
  ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'],
  ['PUBLIC_PORT', 'PUBLIC_BASE_URL', 'ACK_LINK_KEY'],
];

/**
 * Variables no longer read, and where their setting went: left set, they would be ignored
 * silently, so starting with one is an error that says what to do instead.
 */
export const RETIRED_ENV: Readonly<Record<string, string>> = {
  SLACK_BOT_TOKEN: "is no longer read: each organization's bot token is its Slack connection (connections add --partner slack, README \"Slack as an app\")",
  SLACK_WEDDING_CHANNELS: 'is no longer read: a channel per wedding is the Slack connection\'s option weddingChannels',
  SLACK_WEDDING_INVITE_USERS: "is no longer read: the organization's staff with a slack_user_id are invited",
};

/** Names of variables whose values must never be echoed, even inside an error message. */
export const SECRET_ENV_NAMES: ReadonlySet<string> = new Set([
  'SUPABASE_SERVICE_ROLE_KEY',
  'DATABASE_URL',
  'REDIS_URL',
  'RESEND_API_KEY',
  'TWILIO_AUTH_TOKEN',
  'CONNECTION_KEYS',
  'ACK_LINK_KEY',
  'SLACK_SIGNING_SECRET',
]);
