import { z } from 'zod';

/**
 * Slack as an app per organization (README "Slack as an app"): the archive sweep of wedding
 * channels and the bound on the per-organization clients held in memory.
 */
export const slackAppSchema = z
  .object({
    archiveAfterDays: z.number().int().min(0).max(365).default(14).describe("A wedding's Slack channel is archived this many days after the wedding's date"),
    archiveEveryMs: z.number().int().min(60_000).max(86_400_000).default(3_600_000).describe('How often the archive sweep runs (one run across replicas, a job in the queue)'),
    clientsMaxEntries: z.number().int().positive().max(100_000).default(1_000).describe('Organizations whose Slack client (bot token) is held in memory; the least recently used are forgotten first'),
    clientsTtlMs: z.number().int().positive().max(3_600_000).default(300_000).describe('A changed or disabled Slack connection is seen within this long'),
  })
  .strict();

export type SlackAppConfig = z.infer<typeof slackAppSchema>;
