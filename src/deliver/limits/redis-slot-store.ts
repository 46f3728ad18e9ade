import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SlotGrant, SlotRequest, SlotStore } from './slot-store';

/**
 * The sliding log of grants as one sorted set per destination, trimmed and added to atomically,
 * on Redis's clock (replicas' clocks may differ; Redis's is the one they share). The key expires
 * one window after its last grant, so an idle destination holds nothing anywhere. Mirrors
 * `grantFrom` in slot-store.ts.
 *
 * KEYS[1] the log; ARGV: max, windowMs, wanted, member prefix, nowMs (-1: Redis's TIME).
 */
const TAKE_SLOTS = `
local key = KEYS[1]
local max = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])
local now = tonumber(ARGV[5])
if now < 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local granted = math.max(0, math.min(wanted, max - count))
for i = 1, granted do
  redis.call('ZADD', key, now, ARGV[4] .. ':' .. i)
end
if granted > 0 then redis.call('PEXPIRE', key, window) end
if granted == wanted then return {granted, 0} end
local holder = count + granted - max
local since = now
if holder < count then
  since = tonumber(redis.call('ZRANGE', key, holder, holder, 'WITHSCORES')[2])
end
return {granted, math.max(1, since + window - now)}
`;

interface SlotCommands {
  takeSlots(key: string, max: number, windowMs: number, wanted: number, member: string, nowMs: number): Promise<[number, number]>;
}

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
    if (!('takeSlots' in redis)) redis.defineCommand('takeSlots', { numberOfKeys: 1, lua: TAKE_SLOTS });
    this.redis = redis as Redis & SlotCommands;
  }

  async take(request: SlotRequest): Promise<SlotGrant> {
    this.sequence += 1;
    const member = `${this.replica}:${this.sequence}`;
    const [granted, retryInMs] = await this.redis.takeSlots(this.keyOf(request.key), request.max, request.windowMs, request.wanted, member, this.now?.() ?? -1);
    return { granted, retryInMs };
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
