import { LogLevel, WebClient } from '@slack/web-api';
import type { Logger } from '../../lib/logger';

/**
 * A @slack/web-api client with the app's bot token whose own logging (console by default) goes
 * through ours, quietly. Slack answers errors as HTTP 200 `{ok:false,error}`; the SDK throws them
 * as `slack_webapi_platform_error` with `data.error`.
 */
export function createSlackWebClient(options: { token: string; apiUrl?: string; logger: Logger; timeoutMs?: number; retries?: number; fetch?: typeof fetch }): WebClient {
  const sdkLog = options.logger.child({ component: 'slack-web-api' });
  return new WebClient(options.token, {
    ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
    logLevel: LogLevel.WARN,
    logger: {
      debug: () => undefined,
      info: () => undefined,
      warn: (...msg: unknown[]) => sdkLog.warn({ detail: msg.map(String).join(' ') }, 'slack sdk warning'),
      error: (...msg: unknown[]) => sdkLog.warn({ detail: msg.map(String).join(' ') }, 'slack sdk error'),
      setLevel: () => undefined,
      getLevel: () => LogLevel.WARN,
      setName: () => undefined,
    },
    retryConfig: { retries: options.retries ?? 2, minTimeout: 200, maxTimeout: 2_000 },
    // A 429 goes back to the queue with Slack's Retry-After (the delivery's own retry), instead of
    // the SDK sleeping it out inside one of the queue's slots.
    rejectRateLimitedCalls: true,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    timeout: options.timeoutMs ?? 10_000,
  });
}

/** Slack's errors that clear on their own; every other code it names is a configuration or data problem. */
export const SLACK_RETRYABLE_ERRORS: ReadonlySet<string> = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/** The Slack error code of a platform error (`name_taken`, `already_in_channel`…), else null. */
export function slackErrorCode(error: unknown): string | null {
  const e = error as { code?: unknown; data?: { error?: unknown } } | null;
  return e?.code === 'slack_webapi_platform_error' && typeof e.data?.error === 'string' ? e.data.error : null;
}
