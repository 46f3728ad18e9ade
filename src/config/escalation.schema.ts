import { z } from 'zod';
import { notificationKinds, priorityLevels } from '../vocabulary';

const staffRole = z.enum(['owner', 'planner', 'coordinator', 'finance']);

const tier = z
  .object({
    roles: z.array(staffRole).min(1).describe("The organization's staff roles this tier reaches, e.g. [\"planner\"]"),
    channel: z.enum(['sms', 'email', 'voice']).default('sms').describe('How the tier is reached: a stronger channel than the first message; voice: a Twilio call reading it'),
  })
  .strict();

const policy = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be a short lower-case name'),
    kinds: z.array(z.enum(notificationKinds)).min(1).optional().describe('Kinds it applies to; all kinds when absent'),
    levels: z.array(z.enum(priorityLevels)).min(1).default(['critical']).describe('Priority levels it applies to'),
    afterMs: z.number().int().positive().default(30 * 60_000).describe('Wait for an acknowledgement this long before the next tier'),
    weddingDayAfterMs: z.number().int().positive().default(5 * 60_000).describe("The same wait inside the wedding's day mode"),
    tiers: z.array(tier).min(1).max(5).describe('Who is reached next, in order, until someone acknowledges'),
  })
  .strict();

/**
 * Who hears about a message nobody acknowledged (README "Acknowledgements and escalation"). The
 * first policy that matches an event's kind and level applies; none matching: no escalation.
 */
export const escalationSchema = z
  .object({
    policies: z.array(policy).default([]),
    linkTtlMs: z.number().int().positive().default(7 * 24 * 3_600_000).describe('How long an acknowledge link stays good after the change'),
  })
  .strict()
  // `when` runs the cross-checks even when a policy has other problems, so one start lists them
  // all; the data may then be partly invalid, hence the defensive reads.
  .superRefine(
    (value, ctx) => {
      const policies: unknown[] = Array.isArray((value as { policies?: unknown }).policies) ? (value as { policies: unknown[] }).policies : [];
      const names = new Set<unknown>();
      policies.forEach((raw, i) => {
        const p = (raw ?? {}) as { name?: unknown; afterMs?: unknown; weddingDayAfterMs?: unknown };
        const after = p.afterMs ?? 30 * 60_000;
        const day = p.weddingDayAfterMs ?? 5 * 60_000;
        if (typeof after === 'number' && typeof day === 'number' && day > after) ctx.addIssue({ code: 'custom', path: ['policies', i, 'weddingDayAfterMs'], message: 'must not be longer than afterMs' });
        if (typeof p.name === 'string' && names.has(p.name)) ctx.addIssue({ code: 'custom', path: ['policies', i, 'name'], message: `duplicate name "${p.name}"` });
        names.add(p.name);
      });
    },
    { when: () => true },
  );

export type EscalationConfig = z.infer<typeof escalationSchema>;
export type EscalationPolicy = EscalationConfig['policies'][number];
