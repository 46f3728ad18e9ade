import type { ChannelKind } from '../vocabulary';
import type { Recipient } from '../decide/delivery';

/**
 * The rate-limit and health key of where a delivery goes: per partner endpoint, per organization
 * chat webhook, per provider account for email and SMS (their limits are per team or sender).
 */
export function destinationKey(channel: ChannelKind, recipient: Recipient): string {
  switch (channel) {
    case 'webhook':
    case 'slack':
    case 'teams':
    case 'partner': // one partner connection: its own limit and health, apart from the organization's others
      return `${channel}:${recipient.id}`;
    default:
      return channel;
  }
}

export interface DisabledDestination {
  readonly key: string;
  /** `disabled`: nothing more is sent there; `held`: it should be, but a wedding is too close. */
  readonly state: 'disabled' | 'held';
  readonly reason: string;
  readonly sinceMs: number;
}

export interface DestinationHealthBounds {
  /** Entries kept at most; past it the oldest held one goes, else the oldest disabled one. */
  readonly maxEntries?: number;
  /** A held destination not reported failing again for this long is forgotten. */
  readonly heldForgetMs?: number;
}

/**
 * This process's list of destinations that need a person: disabled ones (answered "gone", or
 * failed for days) and ones kept on only because a wedding is in its protected window. Bounded:
 * with the durable queue the circuit rows in PostgreSQL are the record and this list is what
 * /readyz shows; without one, a forgotten disabled destination is tried again and disabled again.
 */
export class DestinationHealth {
  private readonly entries = new Map<string, DisabledDestination & { readonly lastSeenMs: number }>();
  private readonly maxEntries: number;
  private readonly heldForgetMs: number;

  constructor(
    private readonly now: () => number = Date.now,
    { maxEntries = 10_000, heldForgetMs = 3_600_000 }: DestinationHealthBounds = {},
  ) {
    this.maxEntries = maxEntries;
    this.heldForgetMs = heldForgetMs;
  }

  /** True when this is news (not already disabled). */
  disable(key: string, reason: string): boolean {
    if (this.entries.get(key)?.state === 'disabled') return false;
    this.put({ key, state: 'disabled', reason, sinceMs: this.now(), lastSeenMs: this.now() });
    return true;
  }

  hold(key: string, reason: string): void {
    const current = this.entries.get(key);
    if (current?.state === 'disabled') return;
    this.put({ key, state: 'held', reason, sinceMs: current?.sinceMs ?? this.now(), lastSeenMs: this.now() });
  }

  enable(key: string): void {
    this.entries.delete(key);
  }

  isDisabled(key: string): DisabledDestination | undefined {
    const entry = this.entries.get(key);
    return entry?.state === 'disabled' ? entry : undefined;
  }

  list(): DisabledDestination[] {
    this.forgetQuietHeld();
    return [...this.entries.values()].map(({ key, state, reason, sinceMs }) => ({ key, state, reason, sinceMs }));
  }

  /** Entries held now (for the gauge). */
  size(): number {
    this.forgetQuietHeld();
    return this.entries.size;
  }

  /** Re-inserted, so the map stays in order of last report. */
  private put(entry: DisabledDestination & { readonly lastSeenMs: number }): void {
    this.entries.delete(entry.key);
    this.entries.set(entry.key, entry);
    if (this.entries.size <= this.maxEntries) return;
    this.forgetQuietHeld();
    if (this.entries.size <= this.maxEntries) return;
    const oldestHeld = [...this.entries.values()].find((e) => e.state === 'held');
    this.entries.delete(oldestHeld?.key ?? this.entries.keys().next().value!);
  }

  private forgetQuietHeld(): void {
    const cutoff = this.now() - this.heldForgetMs;
    for (const entry of this.entries.values()) {
      if (entry.state === 'held' && entry.lastSeenMs <= cutoff) this.entries.delete(entry.key);
    }
  }
}
