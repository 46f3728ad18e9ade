import type { ServerResponse } from 'node:http';
import twilio from 'twilio';
import type { Logger } from '../lib/logger';
import { pathPattern, type PublicRoute } from '../outcome/public-server';
import type { AckResult, AckStore } from './ack-store';

export const TWILIO_INBOUND_PATH = '/twilio/sms';

/** Replies that mean "seen": what people type with one thumb. */
const ACK_WORDS = new Set(['ok', '1', 'yes', 'y', 'ack', 'okay', 'k']);
/** Twilio's own opt-out keywords (it also blocks the number itself; we record it for every channel choice). */
const STOP_WORDS = new Set(['stop', 'stopall', 'unsubscribe', 'cancel', 'end', 'quit', 'optout', 'revoke']);

export interface TwilioInboundOptions {
  readonly authToken: string;
  /** How Twilio reaches us: the URL it signed is this plus the path (a proxy's Host is not trusted). */
  readonly publicBaseUrl: string;
  readonly store: AckStore;
  readonly logger: Logger;
  readonly now: () => number;
  readonly onAck?: (result: AckResult) => void;
  readonly onOptOut?: () => void;
}

/**
 * POST /twilio/sms: the Messaging webhook of our number. `X-Twilio-Signature` is checked with the
 * twilio package's validateRequest over the URL and the form parameters; "OK" acknowledges the
 * newest unanswered critical SMS sent to that number; STOP records an SMS opt-out.
 */
export function twilioInboundRoute(options: TwilioInboundOptions): PublicRoute {
  const log = options.logger.child({ component: 'twilio-inbound' });
  const url = `${options.publicBaseUrl.replace(/\/+$/, '')}${TWILIO_INBOUND_PATH}`;
  return {
    method: 'POST',
    match: pathPattern(TWILIO_INBOUND_PATH),
    maxBodyBytes: 16 * 1024,
    async handle({ req, body, query }, res) {
      const signature = req.headers['x-twilio-signature'];
      const params = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
      const signedUrl = query.size > 0 ? `${url}?${query.toString()}` : url;
      if (typeof signature !== 'string' || !twilio.validateRequest(options.authToken, signature, signedUrl, params)) {
        log.warn({ reason: 'bad_signature' }, 'twilio request refused');
        return twiml(res, 403, '');
      }
      const from = params.From ?? '';
      const word = (params.Body ?? '').trim().toLowerCase().replace(/[.!]+$/, '');
      if (!/^\+[1-9]\d{6,14}$/.test(from)) return twiml(res, 200, '');
      if (STOP_WORDS.has(word)) {
        const people = await options.store.peopleByPhone(from);
        const changed = await options.store.optOutSms(people);
        options.onOptOut?.();
        log.info({ people: people.length, changed }, 'sms:opt-out');
        return twiml(res, 200, '');
      }
      if (!ACK_WORDS.has(word)) return twiml(res, 200, '');
      const people = await options.store.peopleByPhone(from);
      const delivery = await options.store.newestUnansweredSms(people.map((p) => `${p.kind}:${p.id}`));
      if (!delivery) return twiml(res, 200, message('Nothing is waiting for your answer.'));
      const result = await options.store.record({ eventId: delivery.eventId, deliveryId: delivery.id, organizationId: delivery.organizationId, channel: 'sms', actor: delivery.recipient, actorName: null, atMs: options.now() });
      if (result) options.onAck?.(result);
      log.info({ eventId: delivery.eventId, recorded: result?.recorded ?? false }, 'ack:sms');
      return twiml(res, 200, message('Acknowledged. Thank you.'));
    },
  };
}

const message = (text: string) => `<Message>${text}</Message>`;

function twiml(res: ServerResponse, status: number, inner: string): void {
  res.writeHead(status, { 'content-type': 'text/xml; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Response>${inner}</Response>`);
}
