import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Pool } from 'pg';
import { DeliveryError } from '../../channels/errors';
import type { HttpRequester } from '../../channels/webhook/webhook-channel';
import type { ConnectionStore } from '../../connections/connection-store';
import { consumeOauthState } from '../../connections/oauth-states';
import { CONSTANT_CONTACT_AUTH_URL, tokenRequest } from './oauth';

export const CONSTANT_CONTACT_CALLBACK_PATH = '/oauth/constant-contact/callback';

/** A route of the worker's HTTP server: true when it answered the request. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface CallbackDeps {
  readonly pool: Pool;
  readonly store: ConnectionStore;
  readonly http: HttpRequester;
  readonly userAgent: string;
  readonly authUrl?: string;
  readonly now?: () => number;
  /** Told of each outcome, without the code, the state or a token. */
  readonly onOutcome?: (outcome: { connectionId: string | null; ok: boolean; reason: string }) => void;
}

/**
 * Where Constant Contact sends the organization's owner back (`redirect_uri`): the state must be
 * one the CLI issued and not yet used; the code is exchanged at once, the tokens sealed into the
 * connection, and the connection turned on. The page says only connected or not, never why in
 * any detail a stranger could use.
 */
export function constantContactCallback(deps: CallbackDeps): RouteHandler {
  const now = deps.now ?? Date.now;
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://worker');
    if (url.pathname !== CONSTANT_CONTACT_CALLBACK_PATH) return false;
    if (req.method !== 'GET') return page(res, 405, 'Method not allowed.');
    const state = url.searchParams.get('state') ?? '';
    const code = url.searchParams.get('code') ?? '';
    const connectionId = state ? await consumeOauthState(deps.pool, state, now) : null;
    const outcome = (ok: boolean, reason: string) => deps.onOutcome?.({ connectionId, ok, reason });
    if (!connectionId) {
      outcome(false, 'unknown, used or expired state');
      return page(res, 400, 'This link has expired or was already used. Ask for a new one (connections authorize).');
    }
    if (url.searchParams.get('error') || !code) {
      outcome(false, `not authorized (${/^[a-z_]{1,40}$/.test(url.searchParams.get('error') ?? '') ? url.searchParams.get('error') : 'no code'})`);
      return page(res, 400, 'Constant Contact was not connected: access was not granted.');
    }
    try {
      const connection = await deps.store.open(connectionId);
      if (!connection || connection.partner !== 'constant-contact') throw new Error('no such connection');
      const token = await tokenRequest(deps.http, deps.authUrl ?? CONSTANT_CONTACT_AUTH_URL, deps.userAgent, connection.credentials, { grant_type: 'authorization_code', code, redirect_uri: connection.credentials.redirectUri ?? '' }, AbortSignal.timeout(30_000));
      if (!token.refreshToken) throw new Error('no refresh token: the app must ask for offline_access');
      await deps.store.authorize(connectionId, { accessToken: token.accessToken, accessExpiresAt: String(now() + token.expiresInS * 1000), refreshToken: token.refreshToken });
      outcome(true, 'authorized');
      return page(res, 200, `Constant Contact is connected (${escapeHtml(connection.name)}). You can close this page.`);
    } catch (error) {
      outcome(false, error instanceof DeliveryError ? error.message : error instanceof Error ? error.message.slice(0, 100) : 'failed');
      return page(res, 502, 'Constant Contact could not be connected. Try again with a new link.');
    }
  };
}

function page(res: ServerResponse, status: number, text: string): true {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
  res.end(`<!doctype html><meta charset="utf-8"><title>WedSync</title><p>${text}</p>\n`);
  return true;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
