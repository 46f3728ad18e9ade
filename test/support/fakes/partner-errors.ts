import type { FakeReply } from './fake-server';

/** The error answers every partner fake can be scripted to give, in that partner's own body shape. */
export type PartnerFailure = 401 | 403 | 404 | 409 | 422 | 429 | 500 | 502 | 503;

export function failureReply(status: PartnerFailure, body: (status: number) => unknown, retryAfterSeconds?: number): FakeReply {
  return {
    status,
    ...(retryAfterSeconds !== undefined ? { headers: { 'retry-after': String(retryAfterSeconds) } } : {}),
    body: body(status),
  };
}

/** RFC 9457 problem details, as VSCO Workspace answers. */
export const problem = (status: number) => ({ type: status === 429 ? 'quota-limit' : 'unknown', title: `HTTP ${status}`, detail: 'scripted by the fake', status });

export const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
export const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
export const ZONED_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/;
