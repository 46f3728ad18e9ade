import type { ServerResponse } from 'node:http';
import escapeHtml from 'escape-html';
import type { AckTokens } from '../lib/ack-token';
import type { Logger } from '../lib/logger';
import { pathPattern, type PublicRoute } from '../outcome/public-server';
import { ackChannels, type AckChannel, type AckResult, type AckStore } from './ack-store';

export interface AckLinkOptions {
  readonly tokens: AckTokens;
  readonly store: AckStore;
  readonly logger: Logger;
  readonly now: () => number;
  readonly onAck?: (result: AckResult) => void;
}

/**
 * GET /ack/:token shows a confirmation page and changes nothing: mail scanners and link previews
 * fetch links before the person does, so only the page's POST acknowledges, and spends the link.
 * A link that is forged, expired or already used is refused and records nothing.
 */
export function ackLinkRoutes(options: AckLinkOptions): PublicRoute[] {
  const log = options.logger.child({ component: 'ack-links' });
  const match = pathPattern('/ack/:token');
  const check = (token: string | undefined) => (token ? options.tokens.verify(token, options.now()) : ({ ok: false, reason: 'malformed' } as const));
  return [
    {
      method: 'GET',
      match,
      async handle({ params }, res) {
        const verdict = check(params.token);
        if (!verdict.ok) return page(res, verdict.reason === 'expired' ? 410 : 404, 'This link does not work', verdict.reason === 'expired' ? 'It has expired.' : 'It is not a valid acknowledge link.');
        const action = `/ack/${encodeURIComponent(params.token!)}`;
        return page(res, 200, 'Acknowledge this message?', 'Tell the team you have seen it: nobody else will be alerted about it.', `<form method="post" action="${escapeHtml(action)}"><button type="submit">Acknowledge</button></form>`);
      },
    },
    {
      method: 'POST',
      match,
      maxBodyBytes: 1024,
      async handle({ params }, res) {
        const verdict = check(params.token);
        if (!verdict.ok) {
          log.warn({ reason: verdict.reason }, 'ack link refused');
          return page(res, verdict.reason === 'expired' ? 410 : 404, 'This link does not work', verdict.reason === 'expired' ? 'It has expired.' : 'It is not a valid acknowledge link.');
        }
        const delivery = await options.store.delivery(verdict.claim.deliveryId);
        const channel = delivery?.channel as AckChannel | undefined;
        if (!delivery || delivery.eventId !== verdict.claim.eventId || !channel || !ackChannels.includes(channel)) return page(res, 404, 'This link does not work', 'The message it belongs to is gone.');
        const result = await options.store.record(
          { eventId: delivery.eventId, deliveryId: delivery.id, organizationId: delivery.organizationId, channel, actor: delivery.recipient, actorName: null, atMs: options.now() },
          { singleUseLink: true },
        );
        if (!result) {
          log.warn({ reason: 'used' }, 'ack link refused');
          return page(res, 410, 'This link was already used', 'The message was acknowledged with it before.');
        }
        options.onAck?.(result);
        log.info({ eventId: delivery.eventId, recorded: result.recorded, channel }, 'ack:link');
        const when = new Date(result.ack.atMs).toISOString();
        return page(res, 200, 'Acknowledged', result.recorded ? `Thank you. Recorded at ${when}.` : `It had already been acknowledged at ${when}.`);
      },
    },
  ];
}

function page(res: ServerResponse, status: number, title: string, text: string, extra = ''): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  });
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title>` +
      `<style>body{font:16px system-ui;margin:3em auto;max-width:30em;padding:0 1em}button{font-size:1.2em;padding:.5em 1.5em}</style></head>` +
      `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>${extra}</body></html>`,
  );
}
