import { z } from 'zod';
import { notificationKinds } from '../vocabulary';
import { channelKind, priorityLevel } from './rules.schema';

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
      .describe("A change about a wedding that is today, or starts within this many hours (wedding's zone), is critical"),
    dateChangeCriticalWithinDays: z.number().int().min(0).default(7),
    timelineHighWithinDays: z.number().int().min(0).default(7),
  })
  .strict()
  .transform((p) => ({ ...p, kinds: { ...DEFAULT_KIND_LEVELS, ...p.kinds } }));

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
export type ChannelsByLevel = z.infer<typeof channelsByLevelSchema>;
export type FailoverPolicy = z.infer<typeof failoverSchema>;
