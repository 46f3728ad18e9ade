import { describe, expect, it } from '@jest/globals';
import { ParkedDeliveryError } from '../../../src/channels/errors-parked';
import { PermanentDeliveryError, RetryableDeliveryError } from '../../../src/channels/errors';
import { classifyConstantContact } from '../../../src/partners/constant-contact/errors';
import { contactListsFor, nextUtcMidnight, signUpBody } from '../../../src/partners/constant-contact/mapping';
import { classifyMailchimp, MemberRefusal } from '../../../src/partners/mailchimp/errors';
import { dataCenterOf, journeySteps, memberBody, subscriberHash, tagsBody } from '../../../src/partners/mailchimp/mapping';
import type { MarketingPerson } from '../../../src/partners/marketing-audience';
import { skipReasonOf } from '../../../src/partners/marketing-audience';
import { ConnectionRefusedError } from '../../../src/partners/partner';

const person = (over: Partial<MarketingPerson> = {}): MarketingPerson => ({
  clientId: 'c1',
  email: ' Avery.Quinn@Example.COM ',
  firstName: 'Avery',
  lastName: 'Quinn',
  consent: { id: 'm1', source: 'booking form', grantedAt: '2027-01-01T00:00:00Z' },
  withdrawn: false,
  suppressed: null,
  ...over,
});
const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => ({ status, headers, text: typeof body === 'string' ? body : JSON.stringify(body) });
const problem = (status: number, title: string, extra: Record<string, unknown> = {}) => answer(status, { type: 'https://mailchimp.com/developer/marketing/docs/errors/', title, status, detail: 'x@example.com is …', instance: 'i', ...extra });

describe('Mailchimp mapping', () => {
  it.each([
    ['avery@example.com', 'avery@example.com'],
    [' Avery@Example.COM ', 'avery@example.com'],
  ])('the subscriber hash of %j is the MD5 of %j', (email, lower) => {
    expect(subscriberHash(email)).toBe(subscriberHash(lower));
    expect(subscriberHash('urist.mcvankab@freddiesjokes.com')).toBe('62eeb292278cc15f5817cb78f7790b08');
  });

  it.each([
    ['0123456789abcdef0123456789abcdef-us6', 'us6'],
    ['0123456789abcdef0123456789abcdef-us21', 'us21'],
    ['0123456789abcdef0123456789abcdef', null],
    ['0123456789abcdef0123456789abcdef-', null],
  ])('the data center of %s is %s', (key, dc) => expect(dataCenterOf(key)).toBe(dc));

  it('upserts with status_if_new only, never status', () => {
    const body = memberBody(person(), 'pending');
    expect(body).toEqual({ email_address: 'Avery.Quinn@Example.COM', status_if_new: 'pending', merge_fields: { FNAME: 'Avery', LNAME: 'Quinn' } });
    expect('status' in body).toBe(false);
  });

  it('tags each completed milestone once and lists the journey steps named', () => {
    const milestones = [
      ['contract_signed', { tag: 'Booked', journey: { journeyId: 1, stepId: 2 } }],
      ['final_payment', { tag: 'Booked' }],
      ['questionnaire', {}],
    ] as [string, { tag?: string; journey?: { journeyId: number; stepId: number } }][];
    expect(tagsBody(milestones)).toEqual({ tags: [{ name: 'Booked', status: 'active' }] });
    expect(tagsBody([['questionnaire', {}]])).toBeNull();
    expect(journeySteps(milestones)).toEqual([{ milestone: 'contract_signed', journeyId: 1, stepId: 2 }]);
  });
});

describe('Mailchimp errors', () => {
  it.each([
    ['Member Exists', 'member_exists'],
    ['Forgotten Email Not Subscribed', 'forgotten'],
    ['Invalid Resource', 'invalid_address'],
    ['Member In Compliance State', 'compliance'],
  ])('400 "%s" is refused for that person (%s), not the connection', (title, reason) => {
    const verdict = classifyMailchimp(problem(400, title));
    expect(verdict).toBeInstanceOf(MemberRefusal);
    expect((verdict as MemberRefusal).reason).toBe(reason);
  });

  it('invalid merge fields (an errors array) fail the delivery, naming only the title', () => {
    const verdict = classifyMailchimp(problem(400, 'Invalid Resource', { errors: [{ field: 'FNAME', message: 'Please enter a value' }] }));
    expect(verdict).toBeInstanceOf(PermanentDeliveryError);
    expect((verdict as Error).message).toBe('mailchimp answered HTTP 400 (Invalid Resource)');
  });

  it('an address held back for signing up to many lists is retried an hour later', () => {
    const verdict = classifyMailchimp(problem(400, 'Invalid Resource', { detail: 'x has signed up to a lot of lists very recently; we\'re not allowing more signups for now' }));
    expect(verdict).toMatchObject({ retryable: true, retryAfterMs: 3_600_000 });
  });

  it.each([
    [answer(429, { title: 'Too Many Requests', status: 429 }), RetryableDeliveryError, undefined],
    [answer(403, ''), RetryableDeliveryError, undefined],
    [problem(401, 'API Key Invalid'), ConnectionRefusedError, undefined],
    [problem(403, 'User Disabled'), ConnectionRefusedError, undefined],
    [problem(404, 'Resource Not Found'), PermanentDeliveryError, undefined],
    [answer(503, '<html>'), RetryableDeliveryError, undefined],
  ])('%#: classified by status and title', (response, kind, retryAfterMs) => {
    const verdict = classifyMailchimp(response);
    expect(verdict).toBeInstanceOf(kind);
    expect((verdict as RetryableDeliveryError).retryAfterMs).toBe(retryAfterMs);
    expect((verdict as Error).message).not.toContain('@');
  });
});

describe('Constant Contact mapping and errors', () => {
  const now = () => Date.UTC(2027, 5, 11, 23, 50);

  it('signs up with the address, names and lists, never permission_to_send', () => {
    expect(signUpBody(person(), ['l1'])).toEqual({ email_address: 'Avery.Quinn@Example.COM', first_name: 'Avery', last_name: 'Quinn', list_memberships: ['l1'] });
    expect(contactListsFor({ contactListIds: ['a', 'b'] }, [['m', { contactListIds: ['b', 'c'] }]])).toEqual(['a', 'b', 'c']);
  });

  it.each([
    [Date.UTC(2027, 5, 11, 23, 50), Date.UTC(2027, 5, 12)],
    [Date.UTC(2027, 11, 31, 0, 0), Date.UTC(2028, 0, 1)],
    [Date.UTC(2028, 1, 28, 12), Date.UTC(2028, 1, 29)],
  ])('the quota after %i starts again at %i (00:00 UTC)', (at, midnight) => expect(nextUtcMidnight(at).getTime()).toBe(midnight));

  it('429 quota_exceeded parks until 00:00 UTC; 429 throttled is an ordinary retry', () => {
    const quota = classifyConstantContact(answer(429, [{ error_key: 'quota_exceeded', error_message: 'Too many requests' }]), now);
    expect(quota).toBeInstanceOf(ParkedDeliveryError);
    expect((quota as ParkedDeliveryError).resumeAt.toISOString()).toBe('2027-06-12T00:00:00.000Z');
    const throttled = classifyConstantContact(answer(429, [{ error_key: 'throttled', error_message: 'Too many requests' }]), now);
    expect(throttled).toBeInstanceOf(RetryableDeliveryError);
    expect(throttled).not.toBeInstanceOf(ParkedDeliveryError);
    expect((throttled as RetryableDeliveryError).retryAfterMs).toBeUndefined();
  });

  it('401 stops the connection; 400 is permanent, naming the error key', () => {
    expect(classifyConstantContact(answer(401, [{ error_key: 'unauthorized', error_message: 'x' }]), now)).toBeInstanceOf(ConnectionRefusedError);
    expect((classifyConstantContact(answer(400, [{ error_key: 'contacts.api.validation.error', error_message: 'avery@example.com bad' }]), now) as Error).message).toBe('constant-contact answered HTTP 400 (contacts.api.validation.error)');
  });
});

describe('who a marketing platform may see', () => {
  it.each([
    [{}, null],
    [{ consent: null }, 'no_consent'],
    [{ withdrawn: true }, 'consent_withdrawn'],
    [{ suppressed: 'unsubscribed' as const }, 'unsubscribed'],
    [{ email: null }, 'no_email'],
  ])('%j → %s', (over, reason) => expect(skipReasonOf(person(over))).toBe(reason));
});
