/**
 * The conversations module's public surface: conversations (tickets), their timeline, numbering, search,
 * the conversation API, and the payload mappers realtime uses.
 */
import type { RequestHandler } from 'express';
import type { Connection } from 'mongoose';
import type { DomainEvents } from '../../domain-events';
import type { HttpModule } from '../../http/app';
import type { Clock } from '../../lib/clock';
import type { EventBus } from '../../lib/event-bus';
import type { Logger } from '../../lib/logger';
import { defineConversationModels } from './conversation.model';
import { createConversationList } from './conversation-list';
import type { Viewer } from './conversation-rules';
import { toConversationView } from './conversation-views';
import { createConversationRouters } from './conversations.routes';
import { createConversationsService } from './conversations.service';
import { createContactDataOwner } from './contact-data';
import { createConversationUploads } from './conversation-uploads';
import { defineMessageModels } from './message.model';
import { createTimelineService } from './timeline.service';
import { createUploadCleanup } from './upload-cleanup';

export {
  CATEGORIES,
  CONVERSATION_STATUSES,
  FIRST_CONVERSATION_NUMBER,
  PRIORITIES,
  ROUTING_STATES,
  type Category,
  type ConversationDoc,
  type ConversationStatus,
  type Priority,
  type RoutingState,
} from './conversation.model';
export { MESSAGE_DIRECTIONS, MESSAGE_KINDS, type MessageDoc, type MessageAttachment } from './message.model';
export {
  toConversationSummary,
  toMessageSummary,
  toConversationView,
  toMessageView,
  type ConversationView,
  type MessageView,
} from './conversation-views';
export {
  canSeeConversation,
  isThreadedChannel,
  ticketNumberFromSubject,
  type Viewer,
} from './conversation-rules';
export { sanitizeMessageHtml } from './html-sanitizer';
export type { ConversationsService, OpenConversationInput } from './conversations.service';
export type { TimelineService, MessageForSend, NewMessage } from './timeline.service';
export { createCustomerTimeline } from './customer-timeline';
export type { ConversationList, ConversationListQuery } from './conversation-list';
export type { ContactDataOwner } from './contact-data';

export interface ConversationsModuleDeps {
  connection: Connection;
  events: EventBus<DomainEvents>;
  clock: Clock;
  logger: Logger;
  /** Base URL of the hub: its host names the Message-IDs of our outbound mail. */
  publicUrl: string;
  /** identity's `requireAuth`. */
  requireAuth: RequestHandler;
  /** The outbound module's `enqueue(messageId)` (a seam until that module is wired). */
  enqueueOutbound: (messageId: string) => Promise<void>;
  /** The contact as the API shows it (contacts module), or null. */
  loadContactView: (contactId: string) => Promise<unknown>;
  /** Contact ids matching a search text (contacts module), for `q`. */
  findContactIds?: (q: string, limit: number) => Promise<string[]>;
  /** Throws 400 when an assignee or team is unknown or inactive (identity). */
  validateAssignment?: (input: { assigneeId: string | null; teamId?: string | null }) => Promise<void>;
  /** Reply windows (outbound's guard), for the reply API and the conversation view. */
  replyWindow?: import('../outbound').ReplyWindowGuard;
  /** Removes stored attachment bytes (erasure). */
  deleteAttachment?: (storageKey: string) => Promise<void>;
  /** Stores an agent's upload (the attachment store's put, with its policy) up to `maxBytes`. */
  storeUpload?: {
    put: (
      data: Buffer,
      meta: { filename: string; contentType: string },
    ) => Promise<{ storageKey: string; filename: string; contentType: string; size: number }>;
    maxBytes: number;
  };
  /** Unsent uploads are deleted this long after upload (or after a reply last resolved them). */
  uploadUnsentTtlMs?: number;
  /** How often workers sweep unsent uploads (default one hour). */
  uploadCleanupIntervalMs?: number;
}

export function createConversationsModule(deps: ConversationsModuleDeps) {
  const { connection, events, clock, logger } = deps;
  const { Conversation, Counter } = defineConversationModels(connection);
  const { Message, EarlyStatus } = defineMessageModels(connection);
  const conversations = createConversationsService({ Conversation, Counter, events, clock, logger });
  const timeline = createTimelineService({
    Message,
    EarlyStatus,
    conversations,
    events,
    clock,
    logger,
    messageIdDomain: new URL(deps.publicUrl).hostname || 'omnihub.local',
    enqueueOutbound: deps.enqueueOutbound,
  });
  const list = createConversationList({
    Conversation,
    Message,
    ...(deps.findContactIds ? { findContactIds: deps.findContactIds } : {}),
  });
  const contactDataOwner = createContactDataOwner({
    Conversation,
    Message,
    clock,
    ...(deps.deleteAttachment ? { deleteAttachment: deps.deleteAttachment } : {}),
  });
  const uploads = createConversationUploads({ connection, now: () => clock.now() });
  const uploadCleanup = createUploadCleanup({
    uploads,
    Message,
    deleteBytes: deps.deleteAttachment ?? (() => Promise.resolve()),
    clock,
    logger,
    ttlMs: deps.uploadUnsentTtlMs ?? 24 * 3_600_000,
    ...(deps.uploadCleanupIntervalMs ? { intervalMs: deps.uploadCleanupIntervalMs } : {}),
  });
  const routers = createConversationRouters({
    requireAuth: deps.requireAuth,
    conversations,
    timeline,
    list,
    loadContactView: deps.loadContactView,
    ...(deps.validateAssignment ? { validateAssignment: deps.validateAssignment } : {}),
    ...(deps.replyWindow ? { replyWindow: deps.replyWindow } : {}),
    ...(deps.storeUpload ? { uploads: { records: uploads, ...deps.storeUpload } } : {}),
  });
  const httpModules: HttpModule[] = [
    { path: '/api/conversations', router: routers.conversationsRouter },
    { path: '/api/messages', router: routers.messagesRouter },
    { path: '/api/contacts', router: routers.contactsRouter },
  ];
  return {
    conversations,
    timeline,
    /** The contact 360 view's "conversations" section (the latest ones this viewer may see). */
    contactViewSection: {
      name: 'conversations',
      load: async (contactId: string, viewer: Viewer) => {
        const page = await list.listConversations(viewer, { contactId, limit: 10 });
        return { items: page.items.map(toConversationView), nextCursor: page.nextCursor };
      },
    },
    list,
    contactDataOwner,
    /** The sweep of unsent uploads past their TTL (`start()` in worker processes, `stop()` on close). */
    uploadCleanup,
    httpModules,
    /** Models for the ingest module (same module family; nobody else writes them). */
    models: { Conversation, Message },
    /** Builds every index now (tests and first start), instead of lazily on first use. */
    async ensureIndexes(): Promise<void> {
      await Promise.all([
        Conversation.init(),
        Counter.init(),
        Message.init(),
        EarlyStatus.init(),
        uploads.Upload.init(),
      ]);
    },
  };
}

export type ConversationsModule = ReturnType<typeof createConversationsModule>;
