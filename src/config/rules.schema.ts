import { z } from 'zod';
import { partnerChangeKinds } from '../connections/connection';
import { changeOperations, channelKinds, notificationKinds, priorityLevels } from '../vocabulary';

export const identifier = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,62}$/, 'must be lower-case letters, digits, "-" or "_", starting with a letter');
export const sqlName = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a plain lower-case SQL identifier');
export const operation = z.enum(changeOperations);
export const priorityLevel = z.enum(priorityLevels);
export const channelKind = z.enum(channelKinds);
/** Generic changes (archives, catch-all rules) say nothing urgent: the config may not make them critical. */
export const GENERIC_NEVER_PAGES = 'change.generic never pages anyone: give the rule a kind that says what happened';

const scalar = z.union([z.string(), z.number(), z.boolean()]);
// Simple conditions on the new row (the old row for DELETE); all must hold.
const condition = z.union([
  z.object({ eq: scalar }).strict(),
  z.object({ neq: scalar }).strict(),
  z.object({ in: z.array(scalar).min(1) }).strict(),
  z.object({ isNull: z.boolean() }).strict(),
]);

const roles = z.array(z.string().min(1)).min(1).optional().describe('Only people with one of these roles');

export const audienceSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('wedding_vendors'), roles }).strict().describe("The wedding's vendors"),
  z.object({ type: z.literal('couple') }).strict().describe("The wedding's clients"),
  z.object({ type: z.literal('staff'), roles }).strict().describe("The organization's staff"),
  z
    .object({ type: z.literal('vendor_in_column'), column: sqlName })
    .strict()
    .describe('The vendor(s) whose id is in this column of the row (a uuid or a uuid[])'),
  z.object({ type: z.literal('webhook_endpoints') }).strict().describe("The organization's webhook endpoints subscribed to the kind"),
  z.object({ type: z.literal('endpoint'), name: identifier }).strict().describe('A webhook endpoint from this file'),
  z
    .object({ type: z.literal('partner_connections'), change: z.enum(partnerChangeKinds) })
    .strict()
    .describe("The organization's enabled partner connections (CRMs, venue systems) subscribed to this kind of change"),
]);

export const ruleSchema = z
  .object({
    name: identifier,
    match: z
      .object({
        table: sqlName,
        schema: sqlName.default('public'),
        events: z.array(operation).min(1).default([...changeOperations]),
        changedColumns: z
          .array(sqlName)
          .min(1)
          .optional()
          .describe('An UPDATE matches only if one of these columns changed (needs REPLICA IDENTITY FULL); INSERT and DELETE always pass'),
        where: z.record(sqlName, condition).optional().describe('Conditions on the row, e.g. {"status": {"eq": "failed"}}'),
      })
      .strict(),
    kind: z.enum(notificationKinds).default('change.generic').describe('What happened; picks templates and the base priority'),
    priority: priorityLevel.optional().describe("Fixed base level instead of priority.kinds[kind]; escalation still applies"),
    audiences: z.array(audienceSchema).min(1),
    channels: z
      .array(channelKind)
      .min(1)
      .optional()
      .describe('Channels for people and chat, replacing channelsByLevel for this rule (webhook audiences always get webhooks)'),
  })
  .strict()
  .refine((rule) => !(rule.kind === 'change.generic' && rule.priority === 'critical'), {
    path: ['priority'],
    message: GENERIC_NEVER_PAGES,
  });

export type AudienceConfig = z.infer<typeof audienceSchema>;
export type RuleConfig = z.infer<typeof ruleSchema>;
export type Condition = z.infer<typeof condition>;
