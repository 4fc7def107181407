/**
 * Quarantined IMAP messages: mail that failed to parse or ingest N times. Each is kept raw, with what we
 * know about it, so an admin can read it, download it, retry it once the cause is fixed, or drop it; the
 * mailbox's checkpoint has moved past it, so it is never refetched in a loop.
 *
 * Kept in Redis (appendonly in this project) rather than the attachment store, which a connector cannot
 * reach, and rather than as a timeline entry: a message that cannot be parsed or ingested has no trustworthy
 * sender to file it under, and agents should not see garbage. The original also stays on the IMAP server
 * (a quarantined message is never flagged or moved), so a raw copy above the size cap is not a loss.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface QuarantineEntry {
  id: string;
  inboxId: string;
  mailbox: string;
  uidValidity: string;
  uid: number;
  /** From the raw headers, for the admin's list (the parser failed, so a best effort). */
  messageId: string | null;
  subject: string | null;
  from: string | null;
  size: number;
  /** False when the raw message was larger than the cap and only the entry was kept. */
  rawKept: boolean;
  attempts: number;
  error: string;
  quarantinedAt: string;
}

export interface QuarantineStore {
  add(
    input: Omit<QuarantineEntry, 'id' | 'rawKept' | 'size' | 'messageId' | 'subject' | 'from'> & {
      raw: Buffer;
    },
  ): Promise<QuarantineEntry>;
  /** Newest first; `before` is the `quarantinedAt` cursor of the previous page's last entry (ms). */
  list(input: {
    limit: number;
    before?: number;
  }): Promise<{ entries: QuarantineEntry[]; nextCursor: string | null }>;
  get(id: string): Promise<QuarantineEntry | null>;
  getRaw(id: string): Promise<Buffer | null>;
  remove(id: string): Promise<boolean>;
}

const HEADER_LIMIT = 64 * 1024;

/** One header's unfolded value from the raw header block, clipped for display. */
function rawHeader(raw: Buffer, name: string): string | null {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, end >= 0 ? Math.min(end, HEADER_LIMIT) : HEADER_LIMIT).toString('latin1');
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const match = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(unfolded);
  return match?.[1] ? match[1].trim().slice(0, 500) : null;
}

export function createQuarantineStore(deps: {
  redis: Redis;
  keyPrefix: string;
  maxRawBytes: number;
}): QuarantineStore {
  const { redis } = deps;
  const indexKey = `${deps.keyPrefix}:imap:quarantine`;
  const entryKey = (id: string) => `${deps.keyPrefix}:imap:quarantine:entry:${id}`;
  const rawKey = (id: string) => `${deps.keyPrefix}:imap:quarantine:raw:${id}`;

  return {
    async add(input) {
      // One entry per message: the same UID quarantined twice (two processes, a retry) is one entry.
      const id = createHash('sha256')
        .update(`${input.inboxId}\n${input.mailbox}\n${input.uidValidity}\n${input.uid}`)
        .digest('hex')
        .slice(0, 24);
      const rawKept = input.raw.length <= deps.maxRawBytes;
      const entry: QuarantineEntry = {
        id,
        inboxId: input.inboxId,
        mailbox: input.mailbox,
        uidValidity: input.uidValidity,
        uid: input.uid,
        messageId: rawHeader(input.raw, 'Message-ID'),
        subject: rawHeader(input.raw, 'Subject'),
        from: rawHeader(input.raw, 'From'),
        size: input.raw.length,
        rawKept,
        attempts: input.attempts,
        error: input.error.slice(0, 2000),
        quarantinedAt: input.quarantinedAt,
      };
      const multi = redis.multi().set(entryKey(id), JSON.stringify(entry));
      if (rawKept) multi.set(rawKey(id), input.raw);
      await multi.zadd(indexKey, Date.parse(entry.quarantinedAt), id).exec();
      return entry;
    },
    async list({ limit, before }) {
      const max = before === undefined ? '+inf' : `(${before}`;
      const ids = await redis.zrevrangebyscore(indexKey, max, '-inf', 'LIMIT', 0, limit + 1);
      const page = ids.slice(0, limit);
      const values = page.length > 0 ? await redis.mget(page.map(entryKey)) : [];
      const entries = values
        .filter((v): v is string => v !== null)
        .map((v) => JSON.parse(v) as QuarantineEntry);
      const last = entries.at(-1);
      return {
        entries,
        nextCursor: ids.length > limit && last ? String(Date.parse(last.quarantinedAt)) : null,
      };
    },
    async get(id) {
      const value = await redis.get(entryKey(id));
      return value ? (JSON.parse(value) as QuarantineEntry) : null;
    },
    getRaw: (id) => redis.getBuffer(rawKey(id)),
    async remove(id) {
      const [removed] = (await redis.multi().zrem(indexKey, id).del(entryKey(id), rawKey(id)).exec()) ?? [];
      return Number(removed?.[1] ?? 0) > 0;
    },
  };
}
