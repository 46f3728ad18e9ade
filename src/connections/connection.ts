import { z } from 'zod';

export const partnerNames = ['vsco-workspace', 'light-blue', 'honeybook-zapier', 'tripleseat', 'venue-webhook', 'mailchimp', 'constant-contact', 'slack'] as const;
export type PartnerName = (typeof partnerNames)[number];

/**
 * Connections the worker sends notifications through rather than wedding changes to: never
 * planned as partner deliveries (src/channels/slack-app/slack-apps.ts reads them).
 */
export const chatAppPartners: readonly PartnerName[] = ['slack'];

/** What about a wedding changed, in the words a connection subscribes with. */
export const partnerChangeKinds = ['date', 'venue', 'timeline', 'guest_count', 'couple', 'requirements', 'milestone'] as const;
export type PartnerChangeKind = (typeof partnerChangeKinds)[number];

/** A Slack conversation id of a public (C…) or private (G…) channel: upper-case letters and digits. */
const SLACK_CHANNEL_ID = /^[CG][A-Z0-9]{8,20}$/;

const uuid = z.guid('must be a Constant Contact list id (a UUID)');

/** What a journey milestone does in a marketing platform. */
const milestoneAction = z
  .object({
    tag: z.string().min(1).max(100).optional().describe('Mailchimp: the tag the member gets'),
    journey: z.object({ journeyId: z.number().int().positive(), stepId: z.number().int().positive() }).strict().optional().describe('Mailchimp: the Customer Journey API step to trigger, once per person'),
    contactListIds: z.array(uuid).min(1).max(50).optional().describe('Constant Contact: the lists the contact joins'),
  })
  .strict();
export type MilestoneAction = z.infer<typeof milestoneAction>;

export const connectionOptionsSchema = z
  .object({
    changes: z.array(z.enum(partnerChangeKinds)).min(1).default([...partnerChangeKinds]).describe('Kinds of change this connection receives'),
    createOnFirstSync: z.boolean().default(false).describe('VSCO Workspace: create the contact and job when no job is linked yet'),
    jobTypeId: z.string().regex(/^[0-9a-z]{26}$/, 'must be a Workspace job type id (a lower-case ULID)').optional().describe('VSCO Workspace: job type of a job we create'),
    timeFormat: z.enum(['24h', '12h']).default('24h').describe('How times are written for a person to read (Zapier, Light Blue)'),
    customFields: z
      .partialRecord(z.enum(['venue', 'timeline', 'ceremony_time', 'dietary', 'accessibility']), z.string().regex(/^[0-9a-z]{26}$/, 'must be a Workspace custom field id (a lower-case ULID)'))
      .default({})
      .describe('VSCO Workspace: which job custom field receives which of our values'),
    audienceId: z.string().regex(/^[0-9a-z]{10}$/, 'must be a Mailchimp audience (list) id').optional().describe('Mailchimp: the audience couples join'),
    statusIfNew: z.enum(['subscribed', 'pending']).default('subscribed').describe('Mailchimp: status of a member we create (pending sends their confirmation email); an existing member keeps theirs'),
    contactListIds: z.array(uuid).min(1).max(50).optional().describe('Constant Contact: the contact lists every consenting couple joins'),
    milestones: z.record(z.string().min(1).max(100), milestoneAction).default({}).describe('Journey milestones (journey_progress.milestone) and what each does in the marketing platform'),
    weddingChannels: z.boolean().default(false).describe("Slack app: each wedding's messages go to a channel of its own, created on its first message"),
    weddingChannelPrefix: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,20}$/, 'must be up to 21 lower-case letters, digits, - or _').optional().describe('Slack app: wedding channel names start with this (default "wedding")'),
    defaultChannel: z
      .string()
      .regex(SLACK_CHANNEL_ID, 'must be a Slack channel id, e.g. C0123ABCD (channel details, at the bottom of About)')
      .optional()
      .describe('Slack app: the channel id (C… or G…) messages go to when no incoming webhook is pasted: those about no wedding, digests, and wedding messages without a channel of their own'),
  })
  .strict();
export type ConnectionOptions = z.infer<typeof connectionOptionsSchema>;

export type HealthState = 'unknown' | 'ok' | 'failing' | 'revoked' | 'disabled';

/** A connection as listed: everything except its credentials. */
export interface ConnectionSummary {
  readonly id: string;
  readonly organizationId: string;
  readonly partner: PartnerName;
  readonly name: string;
  readonly options: ConnectionOptions;
  readonly enabled: boolean;
  readonly health: { readonly state: HealthState; readonly reason: string | null; readonly sinceMs: number };
  /** Which CONNECTION_KEYS key sealed the credentials. */
  readonly keyId: string;
}

/** A connection opened for sending. The credentials live only in memory, only as long as a send. */
export interface Connection extends ConnectionSummary {
  readonly credentials: Readonly<Record<string, string>>;
}

/** One harmless request with the connection's credentials (`connections test`). */
export type ConnectionProbe<Tokens = unknown> = (connection: Connection, env: Readonly<Record<string, string | undefined>>, tokens: Tokens) => Promise<{ ok: boolean; detail: string }>;
