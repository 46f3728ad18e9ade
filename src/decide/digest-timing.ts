import type { DigestHold } from './delivery';
import type { HourlyCapTracker } from './hourly-cap';

/** When a person may be told, and whether the message waits in their digest. */
export type Timing = { notBeforeMs: number | null; notes: string[]; digest?: DigestHold };

/**
 * An ordinary (normal or low) message that must wait joins its person's digest instead of a pile:
 * every one held by the same quiet hours goes at their end; over the hourly cap, at the slot the
 * cap frees, booked once for the whole digest (one notification, however many changes it lists).
 * High is never digested: outside the wedding's window it waits on its own, as before.
 */
export function digestTiming(nowMs: number, person: string, quietEnd: number | null, cap: number, caps: HourlyCapTracker, notes: string[]): Timing {
  if (quietEnd !== null) {
    notes.push(`held for the digest at ${new Date(quietEnd).toISOString()}: quiet hours`);
    return { notBeforeMs: quietEnd, notes, digest: { atMs: quietEnd, heldBy: 'quiet_hours' } };
  }
  const slot = caps.digestSlot(person, nowMs, cap);
  if (slot === null) {
    caps.admit(person, nowMs, cap);
    return { notBeforeMs: null, notes };
  }
  notes.push(`held for the digest at ${new Date(slot).toISOString()}: hourly cap of ${cap}`);
  return { notBeforeMs: slot, notes, digest: { atMs: slot, heldBy: 'hourly_cap' } };
}
