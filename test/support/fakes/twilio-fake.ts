import { randomBytes } from 'node:crypto';
import { SegmentedMessage } from 'sms-segments-calculator';
import { FakeServer, type FakeReply, type FakeRequest, type Verdict } from './fake-server';

export interface TwilioSms {
  readonly sid: string;
  readonly to: string;
  readonly from?: string;
  readonly messagingServiceSid?: string;
  readonly body: string;
  /** As the fake counts them, the way Twilio bills them. */
  readonly numSegments: number;
  /** `call`: a Calls.json request; `body` is then the text inside its TwiML `<Say>` verbs. */
  readonly resource: 'message' | 'call';
  readonly twiml?: string;
}

const E164 = /^\+[1-9]\d{1,14}$/;

/**
 * Twilio's `POST /2010-04-01/Accounts/{Sid}/Messages.json` on loopback (providers.md §2): Basic
 * auth with the account sid and token, form-encoded `To` (E.164), `From` or
 * `MessagingServiceSid`, `Body` (≤ 1,600 chars). Answers 201 with a message resource, and
 * errors as Twilio's `{code, message, more_info, status}`. Point the SDK at it with
 * `LoopbackRequestClient`.
 */
export class TwilioFake extends FakeServer<TwilioSms> {
  constructor(
    readonly accountSid = `AC${'1'.repeat(32)}`,
    readonly authToken = 'fake_twilio_auth_token',
    onAccepted?: (sms: TwilioSms) => void,
  ) {
    super(onAccepted);
  }

  /** A Twilio error for the next request, e.g. `failNext(21610)` (unsubscribed) or `failNext(20429, 429)`. */
  failNext(code: number, status = 400, message = `fake Twilio error ${code}`): this {
    return this.replyNext(twilioError(status, code, message));
  }

  protected check(request: FakeRequest): Verdict<TwilioSms> {
    const expectedAuth = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`;
    if (request.headers.authorization !== expectedAuth) return refuse(401, 20003, ['Basic auth is not the account sid and token']);
    if (request.method === 'POST' && request.path === `/2010-04-01/Accounts/${this.accountSid}/Calls.json`) return this.checkCall(request);
    const path = `/2010-04-01/Accounts/${this.accountSid}/Messages.json`;
    if (request.method !== 'POST' || request.path !== path) return refuse(404, 20404, [`${request.method} ${request.path} is not POST ${path}`]);
    const problems: string[] = [];
    if (!String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded')) problems.push('content-type is not application/x-www-form-urlencoded');
    const form = new URLSearchParams(request.body);
    const to = form.get('To') ?? '';
    const from = form.get('From');
    const service = form.get('MessagingServiceSid');
    const body = form.get('Body') ?? '';
    if (!E164.test(to)) return refuse(400, 21211, [...problems, `To "${to}" is not E.164`]);
    if (!from && !service) problems.push('neither From nor MessagingServiceSid');
    if (!body) problems.push('Body is empty');
    if (body.length > 1600) return refuse(400, 21617, [...problems, `Body is ${body.length} characters, over 1600`]);
    if (problems.length > 0) return refuse(400, 21602, problems);
    const sid = `SM${randomBytes(16).toString('hex')}`;
    const numSegments = new SegmentedMessage(body).segmentsCount;
    const sms: TwilioSms = { sid, to, body, numSegments, resource: 'message', ...(from ? { from } : {}), ...(service ? { messagingServiceSid: service } : {}) };
    return { ok: true, accepted: sms, reply: { status: 201, body: messageResource(this.accountSid, sms) } };
  }

  /**
   * `POST …/Calls.json`: form `To` and `From` (E.164; 21201 / 21213 when absent, 21211 / 21212 when
   * malformed) and one of `Url`, `Twiml`, `ApplicationSid` (21205 otherwise); `Twiml` at most
   * 4,000 characters and well-formed enough to hold a `<Response>` (12100: document parse failure).
   */
  private checkCall(request: FakeRequest): Verdict<TwilioSms> {
    if (!String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded')) return refuse(400, 21602, ['content-type is not application/x-www-form-urlencoded']);
    const form = new URLSearchParams(request.body);
    const to = form.get('To');
    const from = form.get('From');
    const twiml = form.get('Twiml');
    if (!to) return refuse(400, 21201, ["No 'To' number is specified"]);
    if (!E164.test(to)) return refuse(400, 21211, [`To "${to}" is not E.164`]);
    if (!from) return refuse(400, 21213, ["No 'From' number is specified"]);
    if (!E164.test(from)) return refuse(400, 21212, [`From "${from}" is not a phone number`]);
    if (!twiml && !form.get('Url') && !form.get('ApplicationSid')) return refuse(400, 21205, ['none of Url, Twiml, ApplicationSid']);
    if (twiml && twiml.length > 4000) return refuse(400, 21205, [`Twiml is ${twiml.length} characters, over 4000`]);
    const says = twiml ? spokenText(twiml) : null;
    if (twiml && says === null) return refuse(400, 12100, ['Twiml is not a <Response> of <Say> and <Pause> verbs with escaped text']);
    const sid = `CA${randomBytes(16).toString('hex')}`;
    const call: TwilioSms = { sid, to, from, body: says ?? '', numSegments: 0, resource: 'call', ...(twiml ? { twiml } : {}) };
    const now = new Date().toUTCString();
    return {
      ok: true,
      accepted: call,
      reply: { status: 201, body: { sid, account_sid: this.accountSid, to, from, status: 'queued', direction: 'outbound-api', api_version: '2010-04-01', date_created: now, date_updated: now, uri: `/2010-04-01/Accounts/${this.accountSid}/Calls/${sid}.json` } },
    };
  }
}

const XML_ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&apos;': "'" };

/** The text of each `<Say>`, or null when the document is not the plain shape we send (an unescaped `<` or `&` included). */
function spokenText(twiml: string): string | null {
  const match = /^(?:<\?xml version="1\.0" encoding="UTF-8"\?>)?<Response>((?:<Say>[^<]*<\/Say>|<Pause length="\d+"\/>)+)<\/Response>$/.exec(twiml);
  if (!match) return null;
  const texts = [...match[1]!.matchAll(/<Say>([^<]*)<\/Say>/g)].map((m) => m[1]!);
  if (texts.some((t) => /&(?!(?:amp|lt|gt|quot|apos|#39);)/.test(t) || />/.test(t))) return null;
  return texts.map((t) => t.replace(/&(?:amp|lt|gt|quot|apos|#39);/g, (e) => XML_ENTITIES[e]!)).join(' | ');
}

function messageResource(accountSid: string, sms: TwilioSms): Record<string, unknown> {
  const now = new Date().toUTCString();
  return {
    sid: sms.sid,
    account_sid: accountSid,
    to: sms.to,
    from: sms.from ?? null,
    messaging_service_sid: sms.messagingServiceSid ?? null,
    body: sms.body,
    status: sms.messagingServiceSid ? 'accepted' : 'queued',
    num_segments: String(sms.numSegments),
    direction: 'outbound-api',
    api_version: '2010-04-01',
    date_created: now,
    date_updated: now,
    error_code: null,
    error_message: null,
    uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sms.sid}.json`,
  };
}

function twilioError(status: number, code: number, message: string): FakeReply {
  return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

function refuse(status: number, code: number, problems: string[]): Verdict<never> {
  return { ok: false, problems, reply: twilioError(status, code, problems.join('; ')) };
}
