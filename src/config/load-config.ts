import { z } from 'zod';
import { ConfigError, type ConfigProblem } from './config-error';
import { ENV_GROUPS, envSchema, RETIRED_ENV, type Env } from './env.schema';
import { workerConfigSchema, type SubscriptionConfig, type WebhookEndpointConfig, type WorkerConfig } from './worker-config.schema';

export interface ResolvedWebhookEndpoint extends WebhookEndpointConfig {
  /** Signing secrets, newest first; more than one while a secret is being rotated. */
  readonly secrets: readonly string[];
}

export interface Config {
  readonly env: Env;
  readonly worker: Omit<WorkerConfig, 'webhookEndpoints'> & {
    readonly webhookEndpoints: readonly ResolvedWebhookEndpoint[];
  };
}

export interface LoadConfigInput {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readFile: (path: string) => string;
}

/**
 * Validates the environment and the JSON rules file together, so one start reports every
 * problem at once. Throws ConfigError; the messages name keys, never values.
 */
export function loadConfig({ env, readFile }: LoadConfigInput): Config {
  const problems: ConfigProblem[] = [];
  const parsedEnv = envSchema.safeParse(env);
  if (!parsedEnv.success) problems.push(...toProblems('env', parsedEnv.error));

  const configFile = parsedEnv.success ? parsedEnv.data.CONFIG_FILE : (env.CONFIG_FILE ?? 'config/worker.json');
  const raw = readJson(configFile, readFile, problems);
  const parsedWorker = raw === undefined ? undefined : workerConfigSchema.safeParse(raw);
  if (parsedWorker && !parsedWorker.success) problems.push(...toProblems('file', parsedWorker.error));

  // Secrets are checked even when the file has other problems, from whatever endpoints it names.
  const secrets = rawEndpoints(raw).map((endpoint, i) =>
    typeof endpoint?.secretEnv === 'string' ? readSecrets(endpoint.secretEnv, i, env, problems) : [],
  );
  const webhookEndpoints = parsedWorker?.success
    ? parsedWorker.data.webhookEndpoints.map((endpoint, i) => ({ ...endpoint, secrets: secrets[i] ?? [] }))
    : [];

  // From the raw environment, so they are listed even when another value is invalid too.
  problems.push(...incompleteGroups(env));
  problems.push(...Object.entries(RETIRED_ENV).filter(([name]) => env[name] !== undefined).map(([path, message]) => ({ source: 'env' as const, path, message })));
  if (parsedWorker?.success && !env.DATABASE_URL) problems.push(...needsDatabase(parsedWorker.data));
  if (problems.length > 0 || !parsedEnv.success || !parsedWorker?.success) throw new ConfigError(problems);
  return { env: parsedEnv.data, worker: { ...parsedWorker.data, webhookEndpoints } };
}

function readJson(path: string, readFile: LoadConfigInput['readFile'], problems: ConfigProblem[]): unknown {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    problems.push({ source: 'env', path: 'CONFIG_FILE', message: `cannot read ${path} (${code})` });
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    // V8's message quotes the surrounding text, which could be a pasted secret: keep the position only.
    const position = /position (\d+)/.exec(String((error as Error).message))?.[1];
    problems.push({ source: 'file', path: '', message: `${path} is not valid JSON${position ? ` (at character ${position})` : ''}` });
    return undefined;
  }
}

const SECRET_PATTERN = /^whsec_([A-Za-z0-9+/]+={0,2})$/;

function rawEndpoints(raw: unknown): ({ secretEnv?: unknown } | null)[] {
  const list = (raw as { webhookEndpoints?: unknown } | undefined)?.webhookEndpoints;
  return Array.isArray(list) ? list.map((e: unknown) => (e && typeof e === 'object' ? (e as { secretEnv?: unknown }) : null)) : [];
}

function readSecrets(secretEnv: string, index: number, env: LoadConfigInput['env'], problems: ConfigProblem[]): string[] {
  const value = env[secretEnv]?.trim();
  const secrets = value ? value.split(/\s+/) : [];
  if (secrets.length === 0) {
    problems.push({ source: 'env', path: secretEnv, message: `is not set (needed by webhookEndpoints.${index}.secretEnv)` });
  }
  secrets.forEach((secret, i) => {
    const body = SECRET_PATTERN.exec(secret)?.[1];
    const bytes = body === undefined ? 0 : Buffer.from(body, 'base64').length;
    if (bytes < 24 || bytes > 64) {
      problems.push({ source: 'env', path: secretEnv, message: `secret ${i + 1} must be whsec_ followed by 24 to 64 base64-encoded bytes` });
    }
  });
  return secrets;
}

function incompleteGroups(env: LoadConfigInput['env']): ConfigProblem[] {
  return ENV_GROUPS.flatMap((group) => {
    const set = group.filter((name) => env[name] !== undefined);
    if (set.length === 0 || set.length === group.length) return [];
    return group
      .filter((name) => env[name] === undefined)
      .map((name) => ({ source: 'env' as const, path: name, message: `is required with ${set.join(', ')}` }));
  });
}

/** Subscriptions that cannot work without DATABASE_URL: outbox, broadcast and table mode with catchUp read PostgreSQL. */
export function subscriptionsNeedingDatabase(subscriptions: readonly SubscriptionConfig[]): string[] {
  return subscriptions.filter((s) => (s.mode ?? 'table') !== 'table' || s.catchUp !== undefined).map((s) => s.name);
}

/** People, tenant endpoints and chats live in Postgres: rules that reach them need it. */
function needsDatabase(worker: WorkerConfig): ConfigProblem[] {
  const intake = subscriptionsNeedingDatabase(worker.subscriptions).map((name) => ({
    source: 'file' as const,
    path: `subscriptions.${worker.subscriptions.findIndex((s) => s.name === name)}`,
    message: 'catches up from the database (outbox, broadcast or catchUp): set DATABASE_URL',
  }));
  return intake.concat(worker.rules.flatMap((rule, i) =>
    rule.audiences
      .map((audience, j) => ({ audience, j }))
      .filter(({ audience }) => audience.type !== 'endpoint')
      .map(({ j }) => ({ source: 'file' as const, path: `rules.${i}.audiences.${j}`, message: 'reads tenant data: set DATABASE_URL' })),
  ));
}

function toProblems(source: ConfigProblem['source'], error: z.ZodError): ConfigProblem[] {
  return error.issues.map((issue) => ({ source, path: issue.path.map(String).join('.'), message: issue.message }));
}
