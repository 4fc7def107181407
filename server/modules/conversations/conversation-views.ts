/**
 * Payload mapping (pure): stored documents → what clients see. Realtime builds its socket payloads with
 * `toConversationSummary` / `toMessageSummary`; the REST API uses the fuller views.
 */
import type { ConversationSummary, MessageSummary } from '../../realtime/socket-events';
import type { ConversationDoc } from './conversation.model';
import type { MessageDoc } from './message.model';

const iso = (date: Date | undefined | null): string | undefined =>
  date ? new Date(date).toISOString() : undefined;

type ConversationLike = Pick<
  ConversationDoc,
  | '_id'
  | 'number'
  | 'status'
  | 'priority'
  | 'category'
  | 'subject'
  | 'primaryChannel'
  | 'contactId'
  | 'contactName'
  | 'contactTier'
  | 'assigneeId'
  | 'teamId'
  | 'lastMessageAt'
  | 'updatedAt'
>;

/** The conversation as Socket.IO clients see it (server/realtime/socket-events.ts). */
export function toConversationSummary(doc: ConversationLike): ConversationSummary {
  return {
    id: String(doc._id),
    number: doc.number,
    status: doc.status,
    priority: doc.priority,
    category: doc.category,
    ...(doc.subject ? { subject: doc.subject } : {}),
    channel: doc.primaryChannel,
    contact: {
      id: doc.contactId,
      ...(doc.contactName ? { name: doc.contactName } : {}),
      ...(doc.contactTier ? { tier: doc.contactTier } : {}),
    },
    assigneeId: doc.assigneeId ?? null,
    teamId: doc.teamId ?? null,
    ...(doc.lastMessageAt ? { lastMessageAt: iso(doc.lastMessageAt) } : {}),
    updatedAt: iso(doc.updatedAt) ?? new Date(0).toISOString(),
  };
}

type MessageLike = Pick<
  MessageDoc,
  | '_id'
  | 'conversationId'
  | 'seq'
  | 'direction'
  | 'kind'
  | 'channel'
  | 'text'
  | 'html'
  | 'authorId'
  | 'status'
  | 'occurredAt'
>;

/** The message as Socket.IO clients see it. */
export function toMessageSummary(doc: MessageLike): MessageSummary {
  return {
    id: String(doc._id),
    conversationId: doc.conversationId,
    seq: doc.seq,
    direction: doc.direction,
    kind: doc.kind,
    channel: doc.channel,
    ...(doc.text !== undefined ? { text: doc.text } : {}),
    ...(doc.html !== undefined ? { html: doc.html } : {}),
    authorId: doc.authorId ?? null,
    ...(doc.status ? { status: doc.status } : {}),
    occurredAt: iso(doc.occurredAt) ?? new Date(0).toISOString(),
  };
}

/** The full conversation for the REST API. */
export function toConversationView(doc: ConversationDoc) {
  return {
    ...toConversationSummary(doc),
    channels: doc.channels,
    inboxId: doc.inboxId,
    snoozedUntil: iso(doc.snoozedUntil) ?? null,
    tags: doc.tags,
    ownerId: doc.ownerId ?? null,
    routing: doc.routing,
    sla: doc.sla,
    metrics: {
      firstInboundAt: iso(doc.metrics?.firstInboundAt) ?? null,
      firstHumanResponseAt: iso(doc.metrics?.firstHumanResponseAt) ?? null,
      lastInboundAt: iso(doc.metrics?.lastInboundAt) ?? null,
      lastOutboundAt: iso(doc.metrics?.lastOutboundAt) ?? null,
      resolvedAt: iso(doc.metrics?.resolvedAt) ?? null,
      closedAt: iso(doc.metrics?.closedAt) ?? null,
      reopenCount: doc.metrics?.reopenCount ?? 0,
    },
    csat: doc.csat?.score
      ? { score: doc.csat.score, comment: doc.csat.comment ?? null, at: iso(doc.csat.at) }
      : null,
    previousConversationId: doc.previousConversationId ?? null,
    lastSeq: doc.lastSeq,
    createdAt: iso(doc.createdAt),
  };
}
export type ConversationView = ReturnType<typeof toConversationView>;

/** The full message for the REST API (never the internal idempotency or blob details). */
export function toMessageView(doc: MessageDoc) {
  return {
    ...toMessageSummary(doc),
    contactId: doc.contactId,
    inboxId: doc.inboxId ?? null,
    externalId: doc.externalId ?? null,
    subject: doc.subject ?? null,
    attachments: (doc.attachments ?? []).map((a) => ({
      id: a.id,
      filename: a.filename ?? null,
      contentType: a.contentType,
      size: a.size ?? null,
      /** Where `GET /api/attachments/:key` serves it (null until fetched); access is checked there. */
      storageKey: a.storageKey ?? null,
    })),
    call: doc.call ?? null,
    error:
      doc.error?.code || doc.error?.message
        ? { code: doc.error.code ?? '', message: doc.error.message ?? '' }
        : null,
    isAutomated: doc.isAutomated ?? false,
    thread: doc.thread ?? null,
    /** Email only: the full original, why it counts as automated, authentication, the new-request flag. */
    email: doc.email
      ? {
          to: doc.email.to ?? [],
          cc: doc.email.cc ?? [],
          fullText: doc.email.fullText ?? null,
          fullHtml: doc.email.fullHtml ?? null,
          remoteImages: doc.email.remoteImages ?? 0,
          htmlWithImages: doc.email.htmlWithImages ?? null,
          automatedReason: doc.email.automatedReason ?? null,
          authentication: doc.email.authentication ?? null,
          possibleNewRequest: doc.email.possibleNewRequest ?? false,
        }
      : null,
    createdAt: iso(doc.createdAt),
  };
}
export type MessageView = ReturnType<typeof toMessageView>;
