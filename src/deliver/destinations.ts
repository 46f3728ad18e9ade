import type { ChannelKind } from '../channels/messages';
import type { Recipient } from './delivery';

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
  readonly reason: string;
  readonly sinceMs: number;
}

/** Destinations that answered "gone" (Slack 404/410, webhook 410): nothing more is sent there. */
export class DestinationHealth {
  private readonly disabled = new Map<string, DisabledDestination>();

  constructor(private readonly now: () => number = Date.now) {}

  disable(key: string, reason: string): boolean {
    if (this.disabled.has(key)) return false;
    this.disabled.set(key, { key, reason, sinceMs: this.now() });
    return true;
  }

  enable(key: string): void {
    this.disabled.delete(key);
  }

  isDisabled(key: string): DisabledDestination | undefined {
    return this.disabled.get(key);
  }

  list(): DisabledDestination[] {
    return [...this.disabled.values()];
  }
}
