import type { Redis } from 'ioredis';
import type { CallSessions } from './twilio-webhook-deps';

const TTL_SECONDS = 24 * 3600;

/**
 * Per-call IVR state in Redis (one JSON hash field per fact), shared by every hub process that serves the
 * call's webhooks; it expires a day after the call's last update.
 */
export function createRedisCallSessions(redis: Redis, prefix: string): CallSessions {
  const key = (callSid: string) => `${prefix}:twilio:call:${callSid}`;
  return {
    async get(callSid) {
      const fields = await redis.hgetall(key(callSid));
      if (Object.keys(fields).length === 0) return null;
      const state: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(fields)) state[name] = JSON.parse(value) as unknown;
      return state;
    },
    async update(callSid, state) {
      const entries = Object.entries(state).filter(([, value]) => value !== undefined);
      if (entries.length === 0) return;
      await redis
        .multi()
        .hset(key(callSid), Object.fromEntries(entries.map(([name, value]) => [name, JSON.stringify(value)])))
        .expire(key(callSid), TTL_SECONDS)
        .exec();
    },
  };
}
