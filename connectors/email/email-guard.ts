/**
 * The loop guard's memory, shared by every hub process (Redis): addresses a hard bounce marked
 * undeliverable, and how many automatic mails each address got in the current window (the per-sender cap
 * on our acknowledgements and CSAT questions, so an auto-responder answering every mail cannot make us
 * answer forever).
 */
import type { Redis } from 'ioredis';

/** Undeliverable marks last this long; a later successful human exchange does not clear them. */
const UNDELIVERABLE_TTL_SECONDS = 90 * 24 * 3600;

export interface EmailGuard {
  markUndeliverable(address: string, reason: string): Promise<void>;
  /** The bounce diagnostic when the address is marked undeliverable, else null. */
  undeliverableReason(address: string): Promise<string | null>;
  /** Counts one automatic mail to the address; false when the cap for the window is already used up. */
  takeAutomaticSlot(address: string): Promise<boolean>;
}

export function createEmailGuard(deps: {
  redis: Redis;
  keyPrefix: string;
  clock: { now(): Date };
  autoReplyLimit: number;
  autoReplyWindowSeconds: number;
}): EmailGuard {
  const key = (kind: string, address: string) => `${deps.keyPrefix}:email:${kind}:${address.toLowerCase()}`;
  return {
    async markUndeliverable(address, reason) {
      await deps.redis.set(
        key('undeliverable', address),
        reason.slice(0, 500),
        'EX',
        UNDELIVERABLE_TTL_SECONDS,
      );
    },
    undeliverableReason: (address) => deps.redis.get(key('undeliverable', address)),
    async takeAutomaticSlot(address) {
      if (deps.autoReplyLimit === 0) return false;
      const window = Math.floor(deps.clock.now().getTime() / 1000 / deps.autoReplyWindowSeconds);
      const counter = `${key('auto', address)}:${window}`;
      const [[, count]] = (await deps.redis
        .multi()
        .incr(counter)
        .expire(counter, deps.autoReplyWindowSeconds * 2)
        .exec()) as [[Error | null, number], [Error | null, number]];
      return count <= deps.autoReplyLimit;
    },
  };
}
