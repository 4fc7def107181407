import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Job } from 'bull';
import { z } from 'zod';
import { isAppError } from '../../lib/app-error';
import type { Logger } from '../../lib/logger';
import { PermanentJobError, type QueueFactory } from '../../infra/queues';
import { parseInput } from '../../lib/validate';
import { isAllowedContentType, normalizeContentType } from './attachment-policy';
import type { AttachmentStore, StoredAttachment } from './attachment-store';
import { authorizationHeader, type MediaSources } from './media-sources';

export const ATTACHMENTS_FETCH_QUEUE = 'attachments.fetch';

export const FetchJobSchema = z.strictObject({
  messageId: z.string().min(1).max(64),
  url: z.url({ protocol: /^https?$/ }).max(4096),
  contentType: z.string().min(1).max(255),
  filename: z.string().max(1024).optional(),
  /** The inbox the message came in on: its media source picks that account's credentials. */
  inboxId: z.string().min(1).max(64).nullable().optional(),
});
export type FetchJobData = z.infer<typeof FetchJobSchema>;

/** Links fetched bytes to the message that carried the provider URL; false when the message is gone or already has them. */
export type AttachToMessage = (input: {
  messageId: string;
  sourceUrl: string;
  attachment: StoredAttachment;
}) => Promise<boolean>;

/** Deterministic: the same media on the same message is fetched by one job only. */
export function fetchJobId(messageId: string, url: string): string {
  return `fetch:${messageId}:${createHash('sha256').update(url).digest('hex').slice(0, 32)}`;
}

/** The processor of 'attachments.fetch': download (bounded in time and size) → store → link to the message. */
export function registerAttachmentFetchProcessor(deps: {
  queues: QueueFactory;
  store: AttachmentStore;
  sources: MediaSources;
  attachToMessage: AttachToMessage;
  maxBytes: number;
  timeoutMs: number;
  logger: Logger;
}): void {
  deps.queues.process<FetchJobData>(
    ATTACHMENTS_FETCH_QUEUE,
    { concurrency: 4 },
    async (job: Job<FetchJobData>) => {
      let data: FetchJobData;
      try {
        data = parseInput(FetchJobSchema, job.data, 'attachment fetch job');
      } catch (error) {
        throw new PermanentJobError('invalid attachment fetch job', { cause: error });
      }
      const source = deps.sources.find(data.url);
      if (!source)
        throw new PermanentJobError(`${new URL(data.url).origin} is not a registered media source`);
      const auth =
        (await source.authFor?.({ url: new URL(data.url), inboxId: data.inboxId ?? null })) ?? null;
      const response = await fetch(data.url, {
        headers: authorizationHeader(auth),
        redirect: 'follow',
        signal: AbortSignal.timeout(deps.timeoutMs),
      });
      if (!response.ok || !response.body) {
        await response.body?.cancel();
        const transient = response.status >= 500 || response.status === 429 || response.status === 408;
        const message = `media download answered ${response.status}`;
        throw transient ? new Error(message) : new PermanentJobError(message);
      }
      const declared = Number(response.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > deps.maxBytes) {
        await response.body.cancel();
        throw new PermanentJobError(`media is ${declared} bytes, over the ${deps.maxBytes} byte limit`);
      }
      // The provider's response header is the better witness of the type; the webhook's claim is the fallback.
      const served = normalizeContentType(response.headers.get('content-type'));
      const contentType = served && isAllowedContentType(served) ? served : data.contentType;

      if (!isAllowedContentType(contentType)) {
        await response.body.cancel();
        throw new PermanentJobError(`media of type ${contentType} is not accepted`);
      }
      const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
      // The download's timeout signal can fire after we are done with the body: never let that go unheard.
      body.on('error', () => undefined);
      let stored: StoredAttachment;
      try {
        stored = await deps.store.put(body, { filename: data.filename, contentType });
      } catch (error) {
        // Too large or a refused type will not change on retry; a network error mid-stream might.
        if (isAppError(error) && error.status < 500)
          throw new PermanentJobError(error.userMessage, { cause: error });
        throw error;
      } finally {
        if (!body.destroyed) body.destroy();
      }
      const linked = await deps.attachToMessage({
        messageId: data.messageId,
        sourceUrl: data.url,
        attachment: stored,
      });
      if (!linked) {
        await deps.store.delete(stored.storageKey);
        deps.logger.info(
          { messageId: data.messageId },
          'fetched media not linked (message gone or already has it)',
        );
        return { linked: false };
      }
      return { linked: true, storageKey: stored.storageKey, size: stored.size };
    },
  );
}
