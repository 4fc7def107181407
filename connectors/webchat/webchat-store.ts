/**
 * Web chat state in Redis, shared by every hub process: visitor records (profile from the pre-chat form,
 * the conversation the visitor is in, when they were last seen) and the generated token secret. No
 * mongoose: the timeline stays the hub's, read through `context.hub.timeline`.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface VisitorProfile {
  name?: string;
  email?: string;
  phone?: string;
  fields?: Record<string, string>;
}

export interface VisitorRecord {
  key: string;
  inboxId: string;
  profile: VisitorProfile;
  conversationId: string | null;
  /** Last time a socket of this visitor disconnected or sent something (ms). */
  lastSeenAt: number | null;
  /** Highest outbound sequence number the visitor has read. */
  readSeq: number;
  /** The conversation the visitor rated (CSAT once per conversation). */
  csatFor?: string;
  /** The pre-chat email last offered to the visitor's contact. */
  emailLinked?: string;
}

/** Visitor records expire after this long without activity. */
const VISITOR_TTL_SECONDS = 180 * 24 * 3600;

export function createWebchatStore(redis: Redis, keyPrefix: string) {
  const key = (visitorKey: string) => `${keyPrefix}:webchat:visitor:${visitorKey}`;

  async function get(visitorKey: string): Promise<VisitorRecord | null> {
    const raw = await redis.get(key(visitorKey));
    if (!raw) return null;
    try {
      return JSON.parse(raw) as VisitorRecord;
    } catch {
      return null;
    }
  }

  async function put(record: VisitorRecord): Promise<void> {
    await redis.set(key(record.key), JSON.stringify(record), 'EX', VISITOR_TTL_SECONDS);
  }

  return {
    get,
    /** The record, created when missing. */
    async ensure(visitorKey: string, inboxId: string): Promise<VisitorRecord> {
      const existing = await get(visitorKey);
      if (existing) return existing;
      const record: VisitorRecord = {
        key: visitorKey,
        inboxId,
        profile: {},
        conversationId: null,
        lastSeenAt: null,
        readSeq: 0,
      };
      // NX: a concurrent first connection of the same identity keeps the first record.
      await redis.set(key(visitorKey), JSON.stringify(record), 'EX', VISITOR_TTL_SECONDS, 'NX');
      return (await get(visitorKey)) ?? record;
    },
    /** Read-modify-write of one visitor's record (a visitor's own events; last write wins per field set). */
    async update(visitorKey: string, change: (record: VisitorRecord) => void): Promise<VisitorRecord | null> {
      const record = await get(visitorKey);
      if (!record) return null;
      change(record);
      await put(record);
      return record;
    },
    /** The visitor-token secret: generated once (SET NX) and shared by every hub process. */
    async tokenSecret(): Promise<string> {
      const secretKey = `${keyPrefix}:webchat:token-secret`;
      await redis.set(secretKey, randomBytes(32).toString('base64url'), 'NX');
      const secret = await redis.get(secretKey);
      if (!secret) throw new Error('could not read the web chat token secret from Redis');
      return secret;
    },
  };
}
export type WebchatStore = ReturnType<typeof createWebchatStore>;
