/**
 * Deletes agent uploads that no reply ever carried: an upload whose `touchedAt` (upload, or the last time a
 * reply resolved it) is older than the TTL and that no timeline message refers to loses its record and its
 * bytes. An upload a message does refer to is marked sent and kept (the message's attachment needs the
 * bytes). The sweep runs as a timer in every worker process (like the outbound sweep): no job in Redis
 * that a flushed Redis could lose; two workers sweeping at once is safe, the guarded delete decides.
 */
import type { Model, Types } from 'mongoose';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import type { ConversationUploadRecord, ConversationUploads } from './conversation-uploads';
import type { MessageDoc } from './message.model';
import { op } from './mongo-helpers';

export const DEFAULT_UPLOAD_CLEANUP_INTERVAL_MS = 3_600_000;

export interface UploadCleanupDeps {
  uploads: ConversationUploads;
  Message: Model<MessageDoc>;
  /** Removes stored bytes (the attachment store's `delete`); a missing key is not an error. */
  deleteBytes: (storageKey: string) => Promise<void>;
  clock: Clock;
  logger: Logger;
  /** How long an upload may stay unsent (since it was uploaded or last resolved by a reply). */
  ttlMs: number;
  /** How often workers sweep (default one hour). */
  intervalMs?: number;
}

export interface UploadSweepResult {
  /** Uploads deleted (record and bytes). */
  deleted: number;
  /** Stale uploads found on a message and marked sent (kept). */
  markedSent: number;
}

export function createUploadCleanup(deps: UploadCleanupDeps) {
  const { Upload } = deps.uploads;
  const logger = deps.logger.child({ module: 'upload-cleanup' });
  let timer: NodeJS.Timeout | undefined;

  /** One pass over at most `limit` stale unsent uploads, oldest first. */
  async function sweep(options: { limit?: number } = {}): Promise<UploadSweepResult> {
    const cutoff = new Date(deps.clock.now().getTime() - deps.ttlMs);
    const stale = await Upload.find({ sentAt: null, touchedAt: op({ $lt: cutoff }) })
      .sort({ touchedAt: 1 })
      .limit(options.limit ?? 200)
      .lean<(ConversationUploadRecord & { _id: Types.ObjectId })[]>();
    const result: UploadSweepResult = { deleted: 0, markedSent: 0 };
    for (const upload of stale) {
      const carried = await deps.Message.exists({ 'attachments.storageKey': upload.storageKey });
      if (carried) {
        await deps.uploads.markSent(upload.conversationId, [String(upload._id)]);
        result.markedSent += 1;
        continue;
      }
      // Guarded: a reply that resolved the upload meanwhile moved `touchedAt`, and then it stays.
      const removed = await Upload.deleteOne({
        _id: upload._id,
        sentAt: null,
        touchedAt: op({ $lt: cutoff }),
      });
      if (removed.deletedCount !== 1) continue;
      await deps.deleteBytes(upload.storageKey);
      result.deleted += 1;
    }
    if (result.deleted) logger.info({ deleted: result.deleted }, 'deleted unsent uploads past their TTL');
    return result;
  }

  return {
    sweep,
    /** Starts the periodic sweep (worker processes). */
    start(): void {
      if (timer) return;
      timer = setInterval(() => {
        sweep().catch((error: unknown) => logger.error({ err: error }, 'upload cleanup failed'));
      }, deps.intervalMs ?? DEFAULT_UPLOAD_CLEANUP_INTERVAL_MS);
      timer.unref();
    },
    stop(): void {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

export type UploadCleanup = ReturnType<typeof createUploadCleanup>;
