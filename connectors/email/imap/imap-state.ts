/**
 * Durable per-mailbox state in Redis (the project's Redis runs with `appendonly yes` and `noeviction`):
 *
 * - the checkpoint: the mailbox's UIDVALIDITY and the last UID whose message the sink took durably. It only
 *   moves forward, and only under the same UIDVALIDITY (a Lua guard), so a late or repeated write can never
 *   move it back or past a message that was not handled;
 * - attempt counters: charged *before* a message is handed over, so a message that crashes the process is
 *   counted too (the refetch loop that fills storage is exactly that case);
 * - a lease: one hub process polls a mailbox at a time, whatever the number of worker processes.
 *
 * Connectors never touch mongoose; Redis is the store the plug-in contract gives them (`context.redis`).
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface MailboxCheckpoint {
  uidValidity: string;
  lastUid: number;
}

/** Where one mailbox's keys live: `<prefix>:imap:<what>:<inboxId>:<mailbox>`. */
export interface MailboxRef {
  inboxId: string;
  mailbox: string;
}

const ADVANCE = `
local validity = redis.call('HGET', KEYS[1], 'uidValidity')
if validity ~= ARGV[1] then return 0 end
local last = tonumber(redis.call('HGET', KEYS[1], 'lastUid') or '0')
if tonumber(ARGV[2]) <= last then return 0 end
redis.call('HSET', KEYS[1], 'lastUid', ARGV[2], 'updatedAt', ARGV[3])
return 1`;

const RESET = `
if redis.call('HGET', KEYS[1], 'uidValidity') == ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'uidValidity', ARGV[1], 'lastUid', '0', 'updatedAt', ARGV[2])
return 1`;

const RENEW = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

const RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1`;

export interface ImapStateStore {
  getCheckpoint(ref: MailboxRef): Promise<MailboxCheckpoint | null>;
  /**
   * Starts over under a new UIDVALIDITY (lastUid 0). A no-op when the checkpoint already has it. Returns
   * true when the checkpoint changed.
   */
  resetCheckpoint(ref: MailboxRef, uidValidity: string): Promise<boolean>;
  /** Moves the last UID forward under the same UIDVALIDITY; never backwards. */
  advanceCheckpoint(ref: MailboxRef, uidValidity: string, uid: number): Promise<void>;
  /** Charges one attempt to a message and returns the count so far. */
  chargeAttempt(ref: MailboxRef, uidValidity: string, uid: number): Promise<number>;
  /** Gives back an attempt (the failure was the hub's, not the message's: storage down). */
  refundAttempt(ref: MailboxRef, uidValidity: string, uid: number): Promise<void>;
  clearAttempts(ref: MailboxRef, uidValidity: string, uid: number): Promise<void>;
  /** Takes the mailbox's lease for `ttlMs` when nobody holds it; returns a handle or null. */
  acquireLease(ref: MailboxRef, ttlMs: number): Promise<MailboxLease | null>;
}

export interface MailboxLease {
  /** Extends the lease; false when it was lost (expired and taken by another process). */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

export function createImapStateStore(deps: {
  redis: Redis;
  keyPrefix: string;
  clock: { now(): Date };
}): ImapStateStore {
  const { redis } = deps;
  const key = (what: string, ref: MailboxRef) =>
    `${deps.keyPrefix}:imap:${what}:${ref.inboxId}:${encodeURIComponent(ref.mailbox)}`;
  const field = (uidValidity: string, uid: number) => `${uidValidity}:${uid}`;
  const now = () => deps.clock.now().toISOString();

  return {
    async getCheckpoint(ref) {
      const values = await redis.hgetall(key('checkpoint', ref));
      if (!values.uidValidity) return null;
      return { uidValidity: values.uidValidity, lastUid: Number(values.lastUid ?? 0) };
    },
    async resetCheckpoint(ref, uidValidity) {
      const changed = await redis.eval(RESET, 1, key('checkpoint', ref), uidValidity, now());
      if (changed === 1) await redis.del(key('attempts', ref));
      return changed === 1;
    },
    async advanceCheckpoint(ref, uidValidity, uid) {
      await redis.eval(ADVANCE, 1, key('checkpoint', ref), uidValidity, String(uid), now());
    },
    chargeAttempt: (ref, uidValidity, uid) => redis.hincrby(key('attempts', ref), field(uidValidity, uid), 1),
    async refundAttempt(ref, uidValidity, uid) {
      await redis.hincrby(key('attempts', ref), field(uidValidity, uid), -1);
    },
    async clearAttempts(ref, uidValidity, uid) {
      await redis.hdel(key('attempts', ref), field(uidValidity, uid));
    },
    async acquireLease(ref, ttlMs) {
      const leaseKey = key('lease', ref);
      const token = randomUUID();
      const taken = await redis.set(leaseKey, token, 'PX', ttlMs, 'NX');
      if (taken !== 'OK') return null;
      return {
        renew: async () => (await redis.eval(RENEW, 1, leaseKey, token, String(ttlMs))) === 1,
        release: async () => {
          await redis.eval(RELEASE, 1, leaseKey, token);
        },
      };
    },
  };
}
