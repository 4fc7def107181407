/**
 * The timeline: inbound appends (ingest), agent replies and notes, cursor reads, and the outbound
 * lifecycle the outbound worker drives (`getMessageForSend`, `markSent`, `applyDeliveryStatus`, retry).
 * Delivery status only moves forward: every change is one conditional update whose filter lists the
 * statuses it may come from.
 */
import { randomBytes } from 'node:crypto';
import type { ChannelKind, DeliveryStatus } from '../../../connectors/channel';
import type { DomainEvents } from '../../domain-events';
import { AppError } from '../../lib/app-error';
import type { Clock } from '../../lib/clock';
import type { EventBus } from '../../lib/event-bus';
import type { Logger } from '../../lib/logger';
import type { ConversationDoc } from './conversation.model';
import { canSeeConversation, statusesBefore, type Viewer } from './conversation-rules';
import { toObjectId, type ConversationsService } from './conversations.service';
import type {
  EarlyStatusDoc,
  EarlyStatusModel,
  MessageAttachment,
  MessageDoc,
  MessageModel,
} from './message.model';
import { isDuplicateKeyError } from '../../infra/mongo-errors';
import { op } from './mongo-helpers';

/** The error code of a send whose worker died mid-call: the provider may or may not have the message. */
export const SEND_UNCERTAIN = 'SEND_UNCERTAIN';

export interface TimelineServiceDeps {
  Message: MessageModel;
  EarlyStatus: EarlyStatusModel;
  conversations: ConversationsService;
  events: EventBus<DomainEvents>;
  clock: Clock;
  logger: Logger;
  /** Domain of the Message-IDs we put on outbound mail (from PUBLIC_URL). */
  messageIdDomain: string;
  /**
   * Hands a stored, queued reply to the outbound worker (outbound's `enqueue`). A seam until the outbound
   * module is wired; the hub passes its real function.
   */
  enqueueOutbound: (messageId: string) => Promise<void>;
}

/**
 * What the outbound worker needs to send one message (outbound's `MessageForSend` without the recipient,
 * which the composition root adds from the contact).
 */
export interface MessageForSend {
  id: string;
  conversationId: string;
  conversationNumber: number;
  contactId: string;
  direction: MessageDoc['direction'];
  kind: MessageDoc['kind'];
  channel: ChannelKind;
  inboxId: string | null;
  status: DeliveryStatus | null;
  /** Bumped by each agent retry of a failed message: the send generation. */
  retryCount: number;
  text: string;
  html?: string;
  subject?: string;
  thread?: { messageId?: string; inReplyTo?: string; references?: string[]; replyToken?: string };
  /** Email: the addresses a reply is copied to. */
  cc?: string[];
  attachments: { storageKey?: string; filename?: string; contentType: string }[];
  externalId?: string;
  /** Sent by the hub on its own (acknowledgement, CSAT): channels apply their loop guards. */
  isAutomated: boolean;
}

export type NewMessage = Omit<MessageDoc, '_id' | 'createdAt' | 'seq' | 'attachments' | 'isAutomated'> &
  Partial<Pick<MessageDoc, 'attachments' | 'isAutomated'>>;

const TIMELINE_MAX_LIMIT = 200;

export function createTimelineService(deps: TimelineServiceDeps) {
  const { Message, conversations, events, clock, logger } = deps;

  async function findMessage(id: string): Promise<MessageDoc | null> {
    const _id = toObjectId(id);
    return _id ? Message.findById(_id).lean<MessageDoc>() : null;
  }

  async function getMessage(id: string): Promise<MessageDoc> {
    const found = await findMessage(id);
    if (!found) throw new AppError('NOT_FOUND', { userMessage: 'Message not found.' });
    return found;
  }

  async function findByExternalId(channel: string, externalId: string): Promise<MessageDoc | null> {
    return Message.findOne({ channel, externalId }).lean<MessageDoc>();
  }

  /**
   * Inserts a timeline entry with the given sequence number. A duplicate (channel, externalId) means we
   * already have this provider message: the stored one is returned with `duplicate: true`.
   */
  async function insertMessage(
    message: NewMessage & { seq: number },
  ): Promise<{ message: MessageDoc; duplicate: boolean }> {
    try {
      const created = await Message.create(message);
      return { message: created.toObject<MessageDoc>(), duplicate: false };
    } catch (error) {
      if (message.externalId && isDuplicateKeyError(error, 'externalId')) {
        const existing = await findByExternalId(message.channel, message.externalId);
        if (existing) return { message: existing, duplicate: true };
      }
      throw error;
    }
  }

  /**
   * A page of the timeline in display order (occurredAt, then seq). `after`/`before` are sequence numbers
   * of entries the client holds: the page continues after (or ends before) that entry's position.
   */
  async function listTimeline(
    conversationId: string,
    options: { after?: number; before?: number; limit: number },
  ): Promise<{ items: MessageDoc[]; hasMore: boolean }> {
    const limit = Math.min(Math.max(options.limit, 1), TIMELINE_MAX_LIMIT);
    const anchorSeq = options.after ?? options.before;
    let position: Record<string, unknown> | null = null;
    if (anchorSeq !== undefined) {
      const anchor = await Message.findOne({ conversationId, seq: anchorSeq })
        .select({ occurredAt: 1, seq: 1 })
        .lean<Pick<MessageDoc, 'occurredAt' | 'seq'>>();
      if (!anchor)
        throw new AppError('INVALID_INPUT', { userMessage: 'No timeline entry with that sequence.' });
      const cmp = options.after !== undefined ? '$gt' : '$lt';
      position = {
        $or: [
          { occurredAt: op({ [cmp]: anchor.occurredAt }) },
          { occurredAt: anchor.occurredAt, seq: op({ [cmp]: anchor.seq }) },
        ],
      };
    }
    const forward = options.after !== undefined;
    const direction = forward ? 1 : -1;
    const docs = await Message.find({ conversationId, ...(position ?? {}) })
      .sort({ occurredAt: direction, seq: direction })
      .limit(limit + 1)
      .lean<MessageDoc[]>();
    const hasMore = docs.length > limit;
    const page = docs.slice(0, limit);
    return { items: forward ? page : page.reverse(), hasMore };
  }

  /** The inbox to answer on: where the customer last wrote on that channel. */
  async function resolveReplyInbox(conversation: ConversationDoc, channel: string): Promise<string> {
    if (conversation.lastInbound?.channel === channel && conversation.lastInbound.inboxId)
      return conversation.lastInbound.inboxId;
    const latest = await Message.findOne({ contactId: conversation.contactId, channel, direction: 'inbound' })
      .sort({ occurredAt: -1 })
      .select({ inboxId: 1 })
      .lean<Pick<MessageDoc, 'inboxId'>>();
    if (latest?.inboxId) return latest.inboxId;
    if (conversation.primaryChannel === channel) return conversation.inboxId;
    if (channel === 'sms') {
      // A caller can be texted back through the number they called (a phone inbox serves both).
      const called = await Message.findOne({
        contactId: conversation.contactId,
        channel: 'voice',
        direction: 'inbound',
      })
        .sort({ occurredAt: -1 })
        .select({ inboxId: 1 })
        .lean<Pick<MessageDoc, 'inboxId'>>();
      if (called?.inboxId) return called.inboxId;
    }
    throw new AppError('INVALID_INPUT', {
      userMessage: `This customer has never written on ${channel}; choose another channel.`,
    });
  }

  /**
   * Email threading headers for a reply: our own Message-ID, In-Reply-To the customer's latest mail; the
   * subject is `Re:` the conversation's, or the agent's own, with the ticket tag either way.
   */
  async function emailThreadFor(conversation: ConversationDoc, ownSubject?: string) {
    const lastInbound = await Message.findOne({
      conversationId: String(conversation._id),
      channel: 'email',
      direction: 'inbound',
    })
      .sort({ occurredAt: -1, seq: -1 })
      .select({ thread: 1, subject: 1 })
      .lean<Pick<MessageDoc, 'thread' | 'subject'>>();
    const ownId = `<${randomBytes(12).toString('hex')}.${conversation.number}@${deps.messageIdDomain}>`;
    const inReplyTo = lastInbound?.thread?.messageId;
    const references = [...(lastInbound?.thread?.references ?? []), ...(inReplyTo ? [inReplyTo] : [])].slice(
      -20,
    );
    const tag = `[#${conversation.number}]`;
    const base = (conversation.subject ?? lastInbound?.subject ?? '').replace(/\s*\[#\d+\]\s*/g, ' ').trim();
    const own = ownSubject?.replace(/\s*\[#\d+\]\s*/g, ' ').trim();
    const subject = own ? `${own} ${tag}` : `${/^re:/i.test(base) ? base : `Re: ${base}`.trim()} ${tag}`;
    return {
      thread: {
        messageId: ownId,
        ...(inReplyTo ? { inReplyTo } : {}),
        ...(references.length ? { references } : {}),
      },
      subject,
    };
  }

  /**
   * An agent's reply (stored queued, then handed to the outbound worker) or internal note (never sent).
   */
  async function createReply(input: {
    conversationId: string;
    authorId: string;
    text: string;
    channel?: string;
    isPrivate: boolean;
    /** Files already in the attachment store (the conversation's uploads); a reply sends them. */
    attachments?: MessageAttachment[];
    /** An email reply's own subject and copies. */
    email?: { subject?: string; cc: string[] };
  }): Promise<MessageDoc> {
    const conversation = await conversations.getConversation(input.conversationId);
    const now = clock.now();
    if (!input.isPrivate && conversation.status === 'closed')
      throw new AppError('CONFLICT', {
        userMessage: 'This conversation is closed; the customer’s next message opens a new one.',
      });
    const channel = input.channel ?? conversation.lastInbound?.channel ?? conversation.primaryChannel;
    const inboxId = input.isPrivate ? conversation.inboxId : await resolveReplyInbox(conversation, channel);
    const email =
      !input.isPrivate && channel === 'email'
        ? await emailThreadFor(conversation, input.email?.subject)
        : null;
    const cc =
      email && input.email?.cc.length ? [...new Set(input.email.cc.map((a) => a.toLowerCase()))] : [];
    const seq = await conversations.allocateSeq(input.conversationId, { openOnly: !input.isPrivate });
    if (seq === null)
      throw new AppError('CONFLICT', { userMessage: 'This conversation was closed meanwhile.' });
    const { message } = await insertMessage({
      conversationId: input.conversationId,
      contactId: conversation.contactId,
      seq,
      direction: input.isPrivate ? 'internal' : 'outbound',
      kind: input.isPrivate ? 'note' : 'message',
      channel,
      inboxId,
      authorId: input.authorId,
      text: input.text,
      occurredAt: now,
      ...(input.isPrivate ? {} : { status: 'queued' as const }),
      ...(email ? { subject: email.subject, thread: email.thread } : {}),
      ...(cc.length ? { email: { cc } } : {}),
      ...(input.attachments?.length ? { attachments: input.attachments } : {}),
    });
    const messageId = String(message._id);
    if (!input.isPrivate)
      await conversations.recordOutbound(input.conversationId, {
        channel,
        occurredAt: now,
        isHuman: true,
        ...(email?.thread.messageId ? { threadKey: email.thread.messageId } : {}),
      });
    await events.emit('message.created', {
      conversationId: input.conversationId,
      messageId,
      authorId: input.authorId,
      isPrivate: input.isPrivate,
    });
    if (input.isPrivate) return message;
    return handToOutbound(message);
  }

  /** Enqueues a queued message; a failure to enqueue leaves it visibly failed, retryable by the agent. */
  async function handToOutbound(message: MessageDoc): Promise<MessageDoc> {
    const messageId = String(message._id);
    try {
      await deps.enqueueOutbound(messageId);
      return message;
    } catch (error) {
      logger.error({ err: error, messageId }, 'could not enqueue an outbound message');
      const result = await applyDeliveryStatus({
        messageId,
        status: 'failed',
        error: { code: 'ENQUEUE_FAILED', message: 'The message could not be queued for sending; retry it.' },
      });
      return result.message ?? message;
    }
  }

  /**
   * An outbound email's threading, made complete before it is sent: the Message-ID we own (made and kept
   * now for messages created without one, such as acknowledgements, so a retry reuses it and replies
   * thread by it), the subject with the ticket tag, and the conversation's `reply+<token>@` token.
   */
  async function emailForSend(message: MessageDoc, conversation: ConversationDoc) {
    let { thread, subject } = message;
    if (!thread?.messageId) {
      const made = await emailThreadFor(conversation);
      const kept = await Message.findOneAndUpdate(
        { _id: message._id, 'thread.messageId': op({ $exists: false }) },
        { $set: { thread: made.thread, ...(subject ? {} : { subject: made.subject }) } },
        { returnDocument: 'after' },
      ).lean<MessageDoc>();
      thread = kept?.thread ?? (await findMessage(String(message._id)))?.thread ?? made.thread;
      subject = kept?.subject ?? subject ?? made.subject;
      if (thread?.messageId) await conversations.addThreadKey(String(conversation._id), thread.messageId);
    }
    const replyToken =
      conversation.emailReplyToken ?? (await conversations.ensureEmailReplyToken(String(conversation._id)));
    return { thread: { ...thread, ...(replyToken ? { replyToken } : {}) }, subject };
  }

  /** The stored message the outbound worker sends; null when it no longer exists. */
  async function getMessageForSend(messageId: string): Promise<MessageForSend | null> {
    const message = await findMessage(messageId);
    if (!message) return null;
    const conversation = await conversations.findConversation(message.conversationId);
    const email =
      message.channel === 'email' && message.direction === 'outbound' && conversation
        ? await emailForSend(message, conversation)
        : null;
    return {
      id: messageId,
      conversationId: message.conversationId,
      conversationNumber: conversation?.number ?? 0,
      contactId: message.contactId,
      direction: message.direction,
      kind: message.kind,
      channel: message.channel as ChannelKind,
      inboxId: message.inboxId ?? null,
      status: message.status ?? null,
      retryCount: message.retryCount ?? 0,
      text: message.text ?? '',
      ...(message.html ? { html: message.html } : {}),
      ...(message.subject ? { subject: message.subject } : {}),
      ...(message.thread ? { thread: message.thread } : {}),
      ...(email?.subject ? { subject: email.subject } : {}),
      ...(email ? { thread: email.thread } : {}),
      ...(email && message.email?.cc?.length ? { cc: message.email.cc } : {}),
      isAutomated: message.isAutomated ?? false,
      attachments: (message.attachments ?? []).map((a) => ({
        ...(a.storageKey ? { storageKey: a.storageKey } : {}),
        ...(a.filename ? { filename: a.filename } : {}),
        contentType: a.contentType,
      })),
      ...(message.externalId ? { externalId: message.externalId } : {}),
    };
  }

  /**
   * The provider accepted the message: keep its id (for status callbacks) and move queued → sent. A
   * message already further along keeps its status; its missing external id is still recorded.
   */
  async function markSent(messageId: string, externalId: string): Promise<MessageDoc | null> {
    const _id = toObjectId(messageId);
    if (!_id) return null;
    const now = clock.now();
    const sent = await Message.findOneAndUpdate(
      { _id, status: 'queued' },
      { $set: { status: 'sent', externalId, sentAt: now } },
      { returnDocument: 'after' },
    ).lean<MessageDoc>();
    if (sent)
      await events.emit('message.status', { conversationId: sent.conversationId, messageId, status: 'sent' });
    else
      await Message.updateOne(
        { _id, externalId: op({ $exists: false }) },
        { $set: { externalId, sentAt: now } },
      );
    const message = sent ?? (await findMessage(messageId));
    if (!message?.externalId) return message;
    const applied = await applyEarlyStatuses(message.channel, message.externalId);
    return applied ? findMessage(messageId) : message;
  }

  /** Reports that beat `markSent` to us, applied now that the provider id is on the message. */
  async function applyEarlyStatuses(channel: string, externalId: string): Promise<number> {
    const early = await deps.EarlyStatus.find({ channel, externalId }).limit(10).lean<EarlyStatusDoc[]>();
    for (const report of early) {
      await applyDeliveryStatus({
        channel,
        externalId,
        status: report.status,
        ...(report.error?.code || report.error?.message
          ? { error: { code: report.error.code ?? '', message: report.error.message ?? '' } }
          : {}),
      });
      await deps.EarlyStatus.deleteOne({ _id: report._id });
    }
    return early.length;
  }

  /**
   * A delivery report: moves the message forward only (queued < sent < delivered < read; failed only from
   * queued or sent). Reports about unknown messages or older states change nothing.
   *
   * `ourMessageId` is our id as the report authentically names it (the signed status-callback URL of the
   * send): when no message holds the provider id yet (the worker died between the provider's accept and
   * `markSent`), the id is recorded on that message, if it has none, and the report applies to it. A report
   * of the provider having the message also settles a send that was declared in doubt (SEND_UNCERTAIN):
   * the agent sees it delivered instead of being offered a retry that would send a second copy.
   */
  async function applyDeliveryStatus(input: {
    messageId?: string;
    channel?: string;
    externalId?: string;
    ourMessageId?: string;
    status: DeliveryStatus;
    error?: { code: string; message: string };
  }): Promise<{ changed: boolean; message: MessageDoc | null }> {
    if (input.ourMessageId && input.channel && input.externalId)
      await adoptProviderId(input.ourMessageId, input.channel, input.externalId);
    let filter: Record<string, unknown>;
    if (input.messageId) {
      const _id = toObjectId(input.messageId);
      if (!_id) return { changed: false, message: null };
      filter = { _id };
    } else if (input.channel && input.externalId) {
      filter = { channel: input.channel, externalId: input.externalId };
    } else {
      throw new AppError('INVALID_INPUT', {
        message: 'applyDeliveryStatus needs messageId or channel+externalId',
      });
    }
    const now = clock.now();
    const set: Record<string, unknown> = { status: input.status };
    if (input.status === 'sent') set.sentAt = now;
    if (input.status === 'delivered') set.deliveredAt = now;
    if (input.status === 'read') set.readAt = now;
    if (input.status === 'failed') set.error = input.error ?? { code: 'FAILED', message: 'Sending failed.' };
    const confirmsSend = input.status !== 'failed' && input.status !== 'queued';
    const guarded: Record<string, unknown> = {
      ...filter,
      direction: 'outbound',
      $or: [
        { status: op({ $in: statusesBefore(input.status) }) },
        // The provider has it after all: a send in doubt is settled by the report.
        ...(confirmsSend ? [{ status: 'failed', 'error.code': SEND_UNCERTAIN }] : []),
      ],
    };
    const updated = await Message.findOneAndUpdate(
      guarded,
      confirmsSend ? { $set: set, $unset: { error: '' } } : { $set: set },
      { returnDocument: 'after' },
    ).lean<MessageDoc>();
    if (!updated) {
      const existing = await Message.findOne(filter).lean<MessageDoc>();
      if (!existing && !input.messageId && input.channel && input.externalId)
        await keepEarlyStatus({ ...input, channel: input.channel, externalId: input.externalId });
      return { changed: false, message: existing };
    }
    await events.emit('message.status', {
      conversationId: updated.conversationId,
      messageId: String(updated._id),
      status: input.status,
      ...(input.status === 'failed' && input.error ? { error: input.error.message } : {}),
    });
    return { changed: true, message: updated };
  }

  /**
   * Records the provider id on our outbound message named by a signed status callback, when no message
   * holds that id yet and ours has none (never replacing the id of a later retry's copy).
   */
  async function adoptProviderId(ourMessageId: string, channel: string, externalId: string): Promise<void> {
    const _id = toObjectId(ourMessageId);
    if (!_id || (await Message.exists({ channel, externalId }))) return;
    const adopted = await Message.updateOne(
      { _id, channel, direction: 'outbound', externalId: op({ $exists: false }) },
      { $set: { externalId } },
    );
    if (adopted.modifiedCount > 0)
      deps.logger.info({ messageId: ourMessageId, externalId }, 'provider id learnt from a status callback');
  }

  /**
   * A report for a provider id no message holds yet (the callback beat `markSent`): kept, then re-checked,
   * so that a `markSent` landing in between still sees it one way or the other.
   */
  async function keepEarlyStatus(input: {
    channel: string;
    externalId: string;
    status: DeliveryStatus;
    error?: { code: string; message: string };
  }): Promise<void> {
    try {
      await deps.EarlyStatus.create({
        channel: input.channel,
        externalId: input.externalId,
        status: input.status,
        ...(input.error ? { error: input.error } : {}),
        createdAt: clock.now(),
      });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    if (await Message.exists({ channel: input.channel, externalId: input.externalId }))
      await applyEarlyStatuses(input.channel, input.externalId);
  }

  /** An agent retries a failed outbound message: failed → queued (guarded), then enqueued again. */
  async function retryMessage(messageId: string): Promise<MessageDoc> {
    const message = await getMessage(messageId);
    const retried = await Message.findOneAndUpdate(
      { _id: message._id, direction: 'outbound', status: 'failed' },
      { $set: { status: 'queued' }, $unset: { error: '' }, $inc: { retryCount: 1 } },
      { returnDocument: 'after' },
    ).lean<MessageDoc>();
    if (!retried)
      throw new AppError('CONFLICT', { userMessage: 'Only a failed outbound message can be retried.' });
    await events.emit('message.status', {
      conversationId: retried.conversationId,
      messageId,
      status: 'queued',
    });
    return handToOutbound(retried);
  }

  /** Merges a later call fact (status, duration, recording, transcription) into a call or voicemail entry. */
  async function applyCallUpdate(input: {
    channel: string;
    externalId: string;
    call: Record<string, unknown>;
    text?: string;
  }): Promise<MessageDoc | null> {
    const set: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(input.call))
      if (value !== undefined) set[`call.${key}`] = value;
    if (input.text !== undefined) set.text = input.text;
    if (Object.keys(set).length === 0) return findByExternalId(input.channel, input.externalId);
    const updated = await Message.findOneAndUpdate(
      { channel: input.channel, externalId: input.externalId },
      { $set: set },
      { returnDocument: 'after' },
    ).lean<MessageDoc>();
    if (updated)
      await events.emit('message.updated', {
        conversationId: updated.conversationId,
        messageId: String(updated._id),
        changes: Object.keys(set),
      });
    return updated;
  }

  /** The media fetch job stored a provider URL's bytes: link them to the attachment entry (idempotent). */
  async function attachToMessage(input: {
    messageId: string;
    sourceUrl: string;
    attachment: { storageKey: string; size: number; contentType: string };
  }): Promise<boolean> {
    const message = await findMessage(input.messageId);
    if (!message) return false;
    const index = (message.attachments ?? []).findIndex((a) => a.sourceUrl === input.sourceUrl);
    if (index < 0) return false;
    const result = await Message.updateOne(
      { _id: message._id, [`attachments.${index}.sourceUrl`]: input.sourceUrl },
      {
        $set: {
          [`attachments.${index}.storageKey`]: input.attachment.storageKey,
          [`attachments.${index}.size`]: input.attachment.size,
        },
      },
    );
    if (result.matchedCount === 0) return false;
    await events.emit('message.updated', {
      conversationId: message.conversationId,
      messageId: input.messageId,
      changes: ['attachments'],
    });
    return true;
  }

  /** True when the viewer may see the conversation whose message holds this stored attachment. */
  async function canViewAttachment(viewer: Viewer, storageKey: string): Promise<boolean> {
    const message = await Message.findOne({ 'attachments.storageKey': storageKey })
      .select({ conversationId: 1 })
      .lean<Pick<MessageDoc, 'conversationId'>>();
    if (!message) return false;
    const conversation = await conversations.findConversation(message.conversationId);
    return Boolean(conversation && canSeeConversation(viewer, conversation));
  }

  return {
    applyCallUpdate,
    attachToMessage,
    canViewAttachment,
    /** The worker's permanent failure (or exhausted retries): failed, visible, retryable. */
    markFailed: async (messageId: string, error: { code: string; message: string }) =>
      (await applyDeliveryStatus({ messageId, status: 'failed', error })).message,
    findMessage,
    getMessage,
    findByExternalId,
    insertMessage,
    listTimeline,
    createReply,
    getMessageForSend,
    markSent,
    applyDeliveryStatus,
    retryMessage,
  };
}

export type TimelineService = ReturnType<typeof createTimelineService>;
