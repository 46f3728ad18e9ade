import type { WebClient } from '@slack/web-api';
import { LRUCache } from 'lru-cache';
import type { ConnectionSummary } from '../../connections/connection';
import type { ConnectionStore } from '../../connections/connection-store';
import { CredentialsUnreadableError } from '../../connections/credential-cipher';
import type { Logger } from '../../lib/logger';
import { createSlackWebClient } from './slack-web-client';

/** One organization's Slack app install: its client (bot token inside) and what it asked for. */
export interface SlackApp {
  /** The connection as listed: no credentials. */
  readonly connection: ConnectionSummary;
  readonly client: WebClient;
  readonly weddingChannels: boolean;
  readonly weddingChannelPrefix?: string;
  /** Where the bot posts what has no wedding channel when the organization pasted no webhook. */
  readonly defaultChannel?: string;
}

export interface SlackApps {
  /** The organization's enabled Slack connection, or null: it only pasted an incoming webhook. */
  forOrganization(organizationId: string): Promise<SlackApp | null>;
  /** Slack refused the token (uninstalled, revoked): stop the connection, once, and forget its client. */
  refused(app: SlackApp, code: string): Promise<void>;
  /** Organizations held in memory, for /metrics: bounded by `maxEntries`. */
  size(): number;
}

/** Slack's answers meaning the token itself is no good; anything else is about one call. */
export const SLACK_AUTH_ERRORS: ReadonlySet<string> = new Set(['not_authed', 'invalid_auth', 'token_revoked', 'token_expired', 'account_inactive', 'team_disabled']);

export interface SlackAppsOptions {
  readonly store: Pick<ConnectionStore, 'openEnabled' | 'stop'>;
  readonly logger: Logger;
  /** Only for sandboxes and tests (SLACK_API_URL). */
  readonly apiUrl?: string;
  /** At most this many organizations' clients are kept; the least recently used go first. */
  readonly maxEntries: number;
  /** A new token, a disabled connection, is seen within this long. */
  readonly ttlMs: number;
  readonly now?: () => number;
  /** A connection was just stopped by this replica: tell the organization (app.ts). */
  readonly onStopped?: (connection: ConnectionSummary, reason: string) => void;
}

/**
 * Per-organization Slack clients from the sealed connections (`connections add --partner
 * slack`). The token is opened once per organization per `ttlMs`, lives only inside its
 * WebClient, and is never logged: errors name the connection id. Concurrent sends for one
 * organization share one lookup (the cache holds the promise).
 */
export function createSlackApps(options: SlackAppsOptions): SlackApps {
  const log = options.logger.child({ component: 'slack-apps' });
  const cache = new LRUCache<string, Promise<SlackApp | null>>({
    max: options.maxEntries,
    ttl: options.ttlMs,
    ttlResolution: 0,
    ...(options.now ? { perf: { now: options.now } } : {}),
  });

  async function load(organizationId: string): Promise<SlackApp | null> {
    let connection;
    try {
      connection = await options.store.openEnabled(organizationId, 'slack');
    } catch (error) {
      // A key missing from CONNECTION_KEYS: the organization's webhook still works.
      if (!(error instanceof CredentialsUnreadableError)) throw error;
      log.error({ connectionId: error.connectionId, organizationId, alert: true }, 'slack connection cannot be opened; its webhook is used');
      return null;
    }
    const token = connection?.credentials.botToken;
    if (!connection || !token) return null;
    const { credentials: _sealed, ...summary } = connection;
    return {
      connection: summary,
      client: createSlackWebClient({ token, ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}), logger: log }),
      weddingChannels: connection.options.weddingChannels,
      ...(connection.options.weddingChannelPrefix ? { weddingChannelPrefix: connection.options.weddingChannelPrefix } : {}),
      ...(connection.options.defaultChannel ? { defaultChannel: connection.options.defaultChannel } : {}),
    };
  }

  return {
    forOrganization(organizationId) {
      const cached = cache.get(organizationId);
      if (cached) return cached;
      const loading = load(organizationId);
      cache.set(organizationId, loading);
      // A failed read (the database away) is not remembered: the next send asks again.
      loading.catch(() => cache.get(organizationId) === loading && cache.delete(organizationId));
      return loading;
    },
    async refused(app, code) {
      cache.delete(app.connection.organizationId);
      const reason = `slack answered ${code}: reinstall the app and add its new bot token (connections add --partner slack)`;
      if (await options.store.stop(app.connection.id, 'revoked', reason)) {
        log.error({ connectionId: app.connection.id, organizationId: app.connection.organizationId, code, alert: true }, 'slack connection stopped');
        options.onStopped?.(app.connection, reason);
      }
    },
    size: () => cache.size,
  };
}
