/**
 * Attachments: bytes behind the `AttachmentStore` interface (disk under DATA_DIR/attachments by default),
 * the authenticated download route, and the 'attachments.fetch' job that downloads provider media URLs
 * (MMS, WhatsApp) into the store and links them to their message.
 */
import path from 'node:path';
import type { RequestHandler } from 'express';
import type { HttpModule } from '../../http/app';
import type { QueueFactory } from '../../infra/queues';
import type { Logger } from '../../lib/logger';
import { parseInput } from '../../lib/validate';
import type { AttachmentStore } from './attachment-store';
import {
  ATTACHMENTS_FETCH_QUEUE,
  FetchJobSchema,
  fetchJobId,
  registerAttachmentFetchProcessor,
  type AttachToMessage,
  type FetchJobData,
} from './attachment-fetch.job';
import { createAttachmentsRouter, type AttachmentAuthorizer } from './attachments.routes';
export type { AttachmentAuthorizer } from './attachments.routes';
import { createDiskAttachmentStore } from './disk-attachment-store';
import { createMediaSources, type MediaSources } from './media-sources';

export type { AttachmentStore, StoredAttachment } from './attachment-store';
export type { AttachToMessage, FetchJobData } from './attachment-fetch.job';
export { createDiskAttachmentStore } from './disk-attachment-store';
export { isAllowedContentType, sanitizeFilename } from './attachment-policy';
export { ATTACHMENTS_FETCH_QUEUE, fetchJobId };
export type { MediaAuth, MediaSource, MediaSources } from './media-sources';

export interface AttachmentsModule {
  store: AttachmentStore;
  /** The origins media may be downloaded from (connectors register theirs); nothing else is fetched. */
  mediaSources: MediaSources;
  /** Queues the download of a provider media URL into the store (idempotent per message and URL). */
  enqueueFetch(input: FetchJobData): Promise<void>;
  /** Registers the fetch processor in this process (workers only). */
  startWorkers(attachToMessage: AttachToMessage): void;
  createHttpModule(auth: { requireAuth: RequestHandler; authorize: AttachmentAuthorizer }): HttpModule;
}

export function createAttachmentsModule(deps: {
  dataDir: string;
  maxBytes: number;
  fetchTimeoutMs: number;
  queues: QueueFactory;
  logger: Logger;
  store?: AttachmentStore;
}): AttachmentsModule {
  const store =
    deps.store ??
    createDiskAttachmentStore({ dir: path.join(deps.dataDir, 'attachments'), maxBytes: deps.maxBytes });
  const logger = deps.logger.child({ module: 'attachments' });
  const mediaSources = createMediaSources();
  return {
    store,
    mediaSources,
    async enqueueFetch(input) {
      const data = parseInput(FetchJobSchema, input, 'attachment fetch');
      await deps.queues
        .queue<FetchJobData>(ATTACHMENTS_FETCH_QUEUE)
        .add(data, { jobId: fetchJobId(data.messageId, data.url), removeOnComplete: true });
    },
    startWorkers(attachToMessage) {
      registerAttachmentFetchProcessor({
        queues: deps.queues,
        store,
        sources: mediaSources,
        attachToMessage,
        maxBytes: deps.maxBytes,
        timeoutMs: deps.fetchTimeoutMs,
        logger,
      });
    },
    createHttpModule: (auth) => ({
      path: '/api/attachments',
      router: createAttachmentsRouter({ store, ...auth }),
    }),
  };
}
