import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SlotGrant, SlotRequest, SlotStore, SlotTicket } from './slot-store';

/** Redis's clock in ms, or the caller's (ARGV[n] ≥ 0: tests). Replicas' clocks may differ; Redis's is the one they share. */
const NOW = (argIndex: number) => `
local now = tonumber(ARGV[${argIndex}])
if now < 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end`;

/**
 * The sliding log as one sorted set per destination, trimmed and added to atomically. The key
 * expires one window after its newest entry, so an idle destination holds nothing anywhere.
 * KEYS[1] the log; ARGV: max, windowMs, wanted, member prefix, nowMs. Returns granted, retryInMs.
 */
const TAKE_SLOTS = `${NOW(5)}
local key = KEYS[1]
local max = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local granted = math.max(0, math.min(wanted, max - count))
for i = 1, granted do
  redis.call('ZADD', key, now, ARGV[4] .. ':' .. i)
end
if granted > 0 then redis.call('PEXPIRE', key, window) end
if granted == wanted then return {granted, 0} end
local holder = count + granted - max
local since = tonumber(redis.call('ZRANGE', key, holder, holder, 'WITHSCORES')[2])
return {granted, math.max(1, since + window - now)}
`;

/** A finished request counts from now: its entry moves forward (or comes back), the key lives a window more. KEYS[1]; ARGV: member, windowMs, nowMs. */
const FINISH_SLOT = `${NOW(3)}
redis.call('ZADD', KEYS[1], 'GT', now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
`;

interface SlotCommands {
  takeSlots(key: string, max: number, windowMs: number, wanted: number, prefix: string, nowMs: number): Promise<[number, number]>;
  finishSlot(key: string, member: string, windowMs: number, nowMs: number): Promise<number>;
}

/** Shared by the replicas through Redis; a ticket is the grant's member in the sorted set. */
export class RedisSlotStore implements SlotStore {
  private readonly redis: Redis & SlotCommands;
  private readonly replica = randomBytes(6).toString('base64url');
  private sequence = 0;

  /** `now`: tests only; production counts on Redis's clock. */
  constructor(
    redis: Redis,
    private readonly namespace: string,
    private readonly now?: () => number,
  ) {
    if (!('takeSlots' in redis)) {
      redis.defineCommand('takeSlots', { numberOfKeys: 1, lua: TAKE_SLOTS });
      redis.defineCommand('finishSlot', { numberOfKeys: 1, lua: FINISH_SLOT });
    }
    this.redis = redis as Redis & SlotCommands;
  }

  async take(request: SlotRequest): Promise<SlotGrant> {
    this.sequence += 1;
    const prefix = `${this.replica}:${this.sequence}`;
    const [granted, retryInMs] = await this.redis.takeSlots(this.keyOf(request.key), request.max, request.windowMs, request.wanted, prefix, this.now?.() ?? -1);
    return { tickets: Array.from({ length: granted }, (_, i) => `${prefix}:${i + 1}`), retryInMs };
  }

  finished(key: string, ticket: SlotTicket, windowMs: number): void {
    // Best effort: if Redis is away, the grant still counts from when it was made.
    this.redis.finishSlot(this.keyOf(key), String(ticket), windowMs, this.now?.() ?? -1).catch(() => undefined);
  }

  /** Nothing of a destination's is kept in this process: the logs live, and expire, in Redis. */
  size(): number {
    return 0;
  }

  async close(): Promise<void> {
    // The connection is the caller's.
  }

  private keyOf(destination: string): string {
    return `${this.namespace}:slots:${destination}`;
  }
}
