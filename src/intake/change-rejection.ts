import type { ChangeEvent } from './change-event';

/** Stable reason codes: they label the rejected-payload counter, so keep them few and fixed. */
export type RejectReason =
  | 'not_an_object'
  | 'invalid_shape'
  | 'upstream_error'
  | 'unknown_operation'
  | 'bad_commit_timestamp'
  | 'missing_record'
  | 'missing_primary_key'
  | 'unexpected_source'
  | 'too_large';

export class EventValidationError extends Error {
  constructor(
    readonly reason: RejectReason,
    detail: string,
  ) {
    super(detail);
    this.name = 'EventValidationError';
  }
}

export type ValidationResult = { ok: true; event: ChangeEvent } | { ok: false; error: EventValidationError };

export function refuse(reason: RejectReason, detail: string): ValidationResult {
  return { ok: false, error: new EventValidationError(reason, detail) };
}

/** Why a payload is no object (the detail of `not_an_object`), or null when it is one. */
export function notAnObject(payload: unknown): string | null {
  if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) return null;
  return `payload is ${Array.isArray(payload) ? 'an array' : payload === null ? 'null' : typeof payload}`;
}
