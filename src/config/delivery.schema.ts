import { z } from 'zod';
import { sqlName } from './rules.schema';

// The durable queue's sections of the worker config: retries, the queue, the database's
// deadlines, the ledger's retention and the endpoints' circuit.
const ladder = z.array(z.number().int().positive()).min(1);
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

export const retry = z
  .object({
    attempts: z.number().int().min(1).max(50).default(3).describe('Quick in-process attempts per run, the first included'),
    minDelayMs: z.number().int().min(0).default(500).describe('Backoff between quick attempts'),
    maxDelayMs: z.number().int().positive().default(5_000),
    factor: z.number().min(1).default(2),
    maxRetryAfterMs: z.number().int().positive().default(120_000).describe('Cap on an honoured Retry-After between quick attempts'),
    maxInPlaceRetryAfterMs: z
      .number()
      .int()
      .min(0)
      .default(1_000)
      .describe('With a database, a longer Retry-After ends the run and reschedules the delivery, so no queue slot sleeps through it'),
    schedule: z
      .object({
        critical: ladder.default([2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND]),
        high: ladder.default([5 * SECOND, 30 * SECOND, 2 * MINUTE, 10 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 5 * HOUR]),
        normal: ladder.default([5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR]),
        low: ladder.default([5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR]),
      })
      .strict()
      .prefault({})
      .describe('Durable waits between runs, per level; when a ladder ends the delivery is a dead letter'),
    jitter: z.number().min(0).max(1).default(0.2).describe('Each durable wait varies by up to this fraction, either way'),
    maxScheduledRetryAfterMs: z.number().int().positive().default(24 * HOUR).describe('Cap on an honoured Retry-After between runs'),
  })
  .strict();

export const queue = z
  .object({
    schema: sqlName.default('graphile_worker').describe("graphile-worker's schema"),
    concurrency: z
      .number()
      .int()
      .positive()
      .default(16)
      .describe('Normal and low deliveries run at once by this process, taken in batches by graphile-worker\'s local queue of this size'),
    urgentConcurrency: z
      .number()
      .int()
      .positive()
      .default(32)
      .describe(
        'Critical and high deliveries run at once by this process, taken in batches of up to this many by a runner of their own (so no normal or low job fetched before them runs first; behind high ones fetched before it a critical delivery waits one batch at most). A run holds its slot for the whole send, mostly waiting on the provider (0.1-0.5 s for Resend or Twilio), so by Little\'s law slots bound the rate; a wedding Saturday plans hundreds a second (bench/ figure 11: in a 2-minute run 32 slots delivered 1.6 times the critical deliveries of 16). Delivering gets a database pool of its own bounded at urgentConcurrency + 7 connections (or concurrency + 7, the larger; graphile-worker warns below a runner\'s concurrency), of which ~10 are in use (each runner\'s batched take and completion and its LISTEN, the ledger, a spare; pool-size.ts), beside the 10 of deciding and one each for the heart-beat and the intake leases, so a burst of decisions cannot hold deliveries back; a replica may open up to urgentConcurrency + 19 connections (51 by default: lower it on a database plan with fewer; the worker warns at start when its connections may not fit the server\'s max_connections)',
      ),
    pollIntervalMs: z.number().int().positive().default(2_000).describe('Poll for scheduled retries; new jobs arrive by LISTEN/NOTIFY'),
    maxWaitingPerDestination: z
      .number()
      .int()
      .positive()
      .default(4)
      .describe('More jobs than this waiting on one rate limit are put back for their turn, so one slow destination cannot hold every slot; deliveries planned while a destination is that busy are queued for their turn when persisted'),
    heartbeatMs: z.number().int().positive().default(5_000).describe('How often this process says it is alive'),
    deadWorkerAfterMs: z
      .number()
      .int()
      .positive()
      .default(30_000)
      .describe('A process silent this long is presumed dead and its jobs are unlocked for the others'),
  })
  .strict();

export const database = z
  .object({
    statementTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(15_000)
      .describe("Every query of the worker's pool is cancelled after this (statement_timeout): a locked table fails a delivery, retryably, instead of holding a connection"),
  })
  .strict();

const DAY = 24 * HOUR;
export const retention = z
  .object({
    deliveredMs: z.number().int().positive().default(30 * DAY).describe('Delivered ledger rows are deleted this long after they finished'),
    deadLetterMs: z
      .number()
      .int()
      .positive()
      .default(90 * DAY)
      .describe('Dead letters (and failed-over links of a chain) are deleted this long after they finished; replay them before'),
    deadEventMs: z.number().int().positive().default(90 * DAY).describe('Changes that could not be decided on are deleted this long after they were recorded'),
    pruneEveryMs: z.number().int().positive().default(HOUR).describe('How often the worker prunes; one replica at a time'),
  })
  .strict();

export const endpointHealth = z
  .object({
    failureThreshold: z.number().int().positive().default(5).describe('Consecutive failures that open the circuit'),
    openForMs: z.number().int().positive().default(30_000).describe('How long an open circuit waits before a probe'),
    disableAfterMs: z.number().int().positive().default(5 * 24 * HOUR).describe('Continuous failure after which a partner endpoint is disabled'),
  })
  .strict();
