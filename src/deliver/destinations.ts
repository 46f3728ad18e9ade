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

/**
 * This process's list of destinations that need a person: disabled ones (answered "gone", or
 * failed for days) and ones kept on only because a wedding is in its protected window.
 */
export class DestinationHealth {
  private readonly entries = new Map<string, DisabledDestination>();

  constructor(private readonly now: () => number = Date.now) {}

  /** True when this is news (not already disabled). */
  disable(key: string, reason: string): boolean {
    if (this.entries.get(key)?.state === 'disabled') return false;
    this.entries.set(key, { key, state: 'disabled', reason, sinceMs: this.now() });
    return true;
  }

  hold(key: string, reason: string): void {
    if (this.entries.get(key)?.state !== 'disabled') this.entries.set(key, { key, state: 'held', reason, sinceMs: this.entries.get(key)?.sinceMs ?? this.now() });
  }

  enable(key: string): void {
    this.entries.delete(key);
  }

  isDisabled(key: string): DisabledDestination | undefined {
    const entry = this.entries.get(key);
    return entry?.state === 'disabled' ? entry : undefined;
  }

  list(): DisabledDestination[] {
    return [...this.entries.values()];
  }
}
