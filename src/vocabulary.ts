// The words every layer shares. A leaf: it imports nothing of the project, so intake, decide,
// deliver, channels and config can all use these without depending on one another.

/** Row operations a change can carry (and a rule or subscription can act on). */
export const changeOperations = ['INSERT', 'UPDATE', 'DELETE'] as const;
export type ChangeOperation = (typeof changeOperations)[number];

/** Urgency, most urgent first. */
export const priorityLevels = ['critical', 'high', 'normal', 'low'] as const;
export type PriorityLevel = (typeof priorityLevels)[number];

export interface Priority {
  readonly level: PriorityLevel;
  /** 0–100, higher is more urgent; orders work within a level. */
  readonly score: number;
  /** Human-readable grounds for the level, shown in logs and webhook bodies. */
  readonly reasons: readonly string[];
}

/** What happened, in the worker's words. Each kind has a template in every channel. */
export const notificationKinds = [
  'wedding.date_changed',
  'wedding.updated',
  'wedding.emergency',
  'form.response_received',
  'journey.milestone_reached',
  'payment.received',
  'payment.failed',
  'timeline.updated',
  'client.profile_updated',
  'change.generic',
] as const;
export type NotificationKind = (typeof notificationKinds)[number];

export const channelKinds = ['webhook', 'email', 'sms', 'slack', 'teams', 'in_app', 'partner'] as const;
export type ChannelKind = (typeof channelKinds)[number];

export type RecipientKind = 'vendor' | 'client' | 'staff' | 'endpoint' | 'organization';

/** One destination's limit: a configured channel, or a partner endpoint's own. */
export interface RateLimitSettings {
  /** Jobs started per window; null: no rate, only the concurrency cap. */
  readonly max: number | null;
  readonly perMs: number;
  readonly maxConcurrent: number;
}
