import { z } from 'zod';
import { notificationKinds } from '../vocabulary';
import { GENERIC_NEVER_PAGES, channelKind, priorityLevel } from './rules.schema';

const DEFAULT_KIND_LEVELS = {
  'wedding.date_changed': 'high',
  'wedding.updated': 'normal',
  'wedding.emergency': 'critical',
  'form.response_received': 'normal',
  'journey.milestone_reached': 'normal',
  'payment.received': 'normal',
  'payment.failed': 'high',
  'timeline.updated': 'normal',
  'client.profile_updated': 'low',
  'change.generic': 'normal',
} as const;

// How high the wedding window may raise each kind. Only what is urgent by nature reaches critical
// (SMS to every vendor): an emergency, a date change, a failed payment the day of. Everything else
// stops at high, so vendors do not learn to mute the number before the one message that matters.
// A generic change means nothing in particular: it is not raised at all.
const DEFAULT_WEDDING_DAY_CEILINGS = {
  'wedding.date_changed': 'critical',
  'wedding.updated': 'high',
  'wedding.emergency': 'critical',
  'form.response_received': 'high',
  'journey.milestone_reached': 'high',
  'payment.received': 'high',
  'payment.failed': 'critical',
  'timeline.updated': 'high',
  'client.profile_updated': 'high',
  'change.generic': 'normal',
} as const;

export const prioritySchema = z
  .object({
    kinds: z
      .partialRecord(z.enum(notificationKinds), priorityLevel)
      .default({})
      .describe('Base level per kind; unlisted kinds keep the built-in default'),
    weddingDayWindowHours: z
      .number()
      .min(0)
      .default(24)
      .describe("The wedding's window: the day itself, and this many hours before it starts (wedding's zone)"),
    weddingDayRaiseLevels: z
      .number()
      .int()
      .min(0)
      .max(3)
      .default(1)
      .describe("Levels a change is raised inside the wedding's window, up to the kind's ceiling"),
    weddingDayCeilings: z
      .partialRecord(z.enum(notificationKinds), priorityLevel)
      .default({})
      .describe('Highest level the wedding window raises each kind to; unlisted kinds keep the built-in default'),
    dateChangeCriticalWithinDays: z.number().int().min(0).default(7),
    timelineHighWithinDays: z.number().int().min(0).default(7),
    timelineCriticalWithinHours: z
      .number()
      .min(0)
      .default(6)
      .describe('A timeline item that starts (or started to move from) within this many hours is critical'),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.kinds['change.generic'] === 'critical') ctx.addIssue({ code: 'custom', path: ['kinds', 'change.generic'], message: GENERIC_NEVER_PAGES });
    if (p.weddingDayCeilings['change.generic'] === 'critical') {
      ctx.addIssue({ code: 'custom', path: ['weddingDayCeilings', 'change.generic'], message: GENERIC_NEVER_PAGES });
    }
  })
  .transform((p) => ({
    ...p,
    kinds: { ...DEFAULT_KIND_LEVELS, ...p.kinds },
    weddingDayCeilings: { ...DEFAULT_WEDDING_DAY_CEILINGS, ...p.weddingDayCeilings },
  }));

const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time HH:MM');

export const weddingDayModeSchema = z
  .object({
    enabled: z.boolean().default(true),
    from: localTime.default('18:00').describe("Local time (wedding's zone) the evening before the wedding when its day mode starts"),
    until: localTime.default('04:00').describe("Local time (wedding's zone) the morning after when its day mode ends"),
    reservedShare: z
      .number()
      .min(0)
      .max(0.9)
      .default(0.2)
      .describe("Share of each provider's rate limit only critical messages may use (on the day, only what is urgent by nature is critical)"),
  })
  .strict()
  .describe("Per wedding: messages about it reach its people at once, whatever their quiet hours");

export const digestsSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Normal and low messages held by quiet hours or the hourly cap go out as one digest per person and channel'),
    maxItems: z.number().int().min(1).max(200).default(50).describe('Changes a digest lists; the rest are counted ("and 12 more")'),
  })
  .strict()
  .describe('Digests instead of piles (needs DATABASE_URL: held messages wait in PostgreSQL)');

const channelList = z.array(channelKind).min(1);

export const channelsByLevelSchema = z
  .object({
    critical: channelList.default(['sms', 'slack', 'email', 'in_app']),
    high: channelList.default(['email', 'slack', 'in_app']),
    normal: channelList.default(['email']),
    low: channelList.default(['in_app']),
  })
  .strict()
  .describe('Channels per level. A person without the address (no email, no phone) gets in-app instead');

export const preferencesSchema = z
  .object({
    defaultHourlyCap: z.number().int().positive().default(10).describe('Notifications a person gets an hour before the rest wait'),
    weddingDayMode: weddingDayModeSchema.prefault({}),
    digests: digestsSchema.prefault({}),
  })
  .strict();

export const failoverSchema = z
  .object({
    person: z.array(channelKind).min(1).default(['sms', 'email', 'in_app']).describe('Order tried when a critical message to a person fails'),
    organization: z.array(channelKind).min(1).default(['slack', 'teams']).describe("Order for the organization's chat"),
    criticalDeadlineMs: z.number().int().positive().default(60_000).describe('A critical message not delivered by then fails over'),
  })
  .strict();

export type PriorityPolicy = z.infer<typeof prioritySchema>;
export type WeddingDayMode = z.infer<typeof weddingDayModeSchema>;
export type DigestPolicy = z.infer<typeof digestsSchema>;
export type ChannelsByLevel = z.infer<typeof channelsByLevelSchema>;
export type FailoverPolicy = z.infer<typeof failoverSchema>;
