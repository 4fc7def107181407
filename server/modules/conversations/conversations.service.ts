/**
 * Conversation (ticket) state: opening, threading look-ups, inbound bookkeeping and every agent-initiated
 * change. Each state change is one conditional single-document update (a guard on the state it read) and
 * emits its domain event after the write.
 */
import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import type { DomainEvents } from '../../domain-events';
import { AppError } from '../../lib/app-error';
import type { Clock } from '../../lib/clock';
import type { EventBus } from '../../lib/event-bus';
import type { Logger } from '../../lib/logger';
import {
  FIRST_CONVERSATION_NUMBER,
  type Category,
  type ConversationDoc,
  type ConversationModel,
  type ConversationStatus,
  type CounterModel,
  type Priority,
} from './conversation.model';
import { canChangeStatus, isThreadedChannel } from './conversation-rules';
import { isDuplicateKeyError } from '../../infra/mongo-errors';
import { op } from './mongo-helpers';

export interface ConversationsServiceDeps {
  Conversation: ConversationModel;
  Counter: CounterModel;
  events: EventBus<DomainEvents>;
  clock: Clock;
  logger: Logger;
}

export interface OpenConversationInput {
  contactId: string;
  contactName?: string;
  contactTier?: string;
  channel: string;
  inboxId: string;
  subject?: string;
  category: Category;
  priority: Priority;
  /** `channel:externalId` of the opening event (idempotency of the creation). */
  openingKey: string;
  occurredAt: Date;
  previousConversationId?: string | null;
}

const MAX_GUARDED_RETRIES = 5;

/** Parses an id from a route or a caller; a malformed id is simply not found. */
export function toObjectId(id: string): Types.ObjectId | null {
  return /^[0-9a-f]{24}$/i.test(id) ? new Types.ObjectId(id) : null;
}

export function createConversationsService(deps: ConversationsServiceDeps) {
  const { Conversation, Counter, events, clock } = deps;

  async function findConversation(id: string): Promise<ConversationDoc | null> {
    const _id = toObjectId(id);
    return _id ? Conversation.findById(_id).lean<ConversationDoc>() : null;
  }

  async function getConversation(id: string): Promise<ConversationDoc> {
    const found = await findConversation(id);
    if (!found) throw new AppError('NOT_FOUND', { userMessage: 'Conversation not found.' });
    return found;
  }

  /** The next human number (10001, 10002, …): one atomic `$inc` on the counters collection. */
  async function nextNumber(): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        const counter = await Counter.findOneAndUpdate(
          { _id: 'conversationNumber' },
          { $inc: { seq: 1 } },
          { upsert: true, returnDocument: 'after' },
        ).lean();
        return FIRST_CONVERSATION_NUMBER - 1 + (counter?.seq ?? 1);
      } catch (error) {
        // Two first-ever upserts race on the counter's _id: the loser simply increments the winner's.
        if (!isDuplicateKeyError(error) || attempt >= 2) throw error;
      }
    }
  }

  async function findByOpeningKey(openingKey: string): Promise<ConversationDoc | null> {
    return Conversation.findOne({ openingKey }).lean<ConversationDoc>();
  }

  /** The newest conversation holding any of these email Message-IDs (of this contact, when given). */
  async function findByThreadKeys(
    keys: string[],
    options: { contactId?: string } = {},
  ): Promise<ConversationDoc | null> {
    if (keys.length === 0) return null;
    return Conversation.findOne({
      threadKeys: op({ $in: keys.slice(0, 50) }),
      ...(options.contactId ? { contactId: options.contactId } : {}),
    })
      .sort({ lastMessageAt: -1 })
      .lean<ConversationDoc>();
  }

  /** Remembers a Message-ID we sent or received in the conversation (threading by In-Reply-To). */
  async function addThreadKey(conversationId: string, key: string): Promise<void> {
    const _id = toObjectId(conversationId);
    if (_id) await Conversation.updateOne({ _id }, { $addToSet: { threadKeys: key } });
  }

  /** The conversation a `reply+<token>@` address names. */
  async function findByEmailReplyToken(token: string): Promise<ConversationDoc | null> {
    return Conversation.findOne({ emailReplyToken: token.toLowerCase() }).lean<ConversationDoc>();
  }

  /** The conversation's reply token, made once (a guarded set: concurrent sends agree on one token). */
  async function ensureEmailReplyToken(conversationId: string): Promise<string | null> {
    const _id = toObjectId(conversationId);
    if (!_id) return null;
    const token = randomBytes(10).toString('hex');
    await Conversation.updateOne(
      { _id, emailReplyToken: op({ $exists: false }) },
      { $set: { emailReplyToken: token } },
    );
    const doc = await Conversation.findById(_id).select({ emailReplyToken: 1 }).lean<ConversationDoc>();
    return doc?.emailReplyToken ?? null;
  }

  async function findByNumber(number: number): Promise<ConversationDoc | null> {
    return Conversation.findOne({ number }).lean<ConversationDoc>();
  }

  /** The contact's running chat conversation (not closed), if any. */
  async function findActiveChat(contactId: string): Promise<ConversationDoc | null> {
    const active = await Conversation.findOne({ activeChatKey: contactId }).lean<ConversationDoc>();
    if (active) return active;
    return null;
  }

  /** The contact's latest chat-like conversation, whatever its status (to link a new one to a closed one). */
  async function findLatestChat(contactId: string): Promise<ConversationDoc | null> {
    return Conversation.findOne({ contactId, primaryChannel: op({ $ne: 'email' }) })
      .sort({ lastMessageAt: -1 })
      .lean<ConversationDoc>();
  }

  /**
   * Opens a conversation, race-safe: a concurrent delivery of the same opening event (same `openingKey`),
   * or a concurrent opening of a second running chat for the same contact (`activeChatKey`), returns the
   * conversation the winner created. The caller has looked both keys up already (ingest does, just
   * before): the unique indexes decide a race, whose loser leaves a gap in the conversation numbers.
   * A created conversation has its first timeline seq (1) reserved for the message that opened it.
   */
  async function openConversation(
    input: OpenConversationInput,
  ): Promise<{ conversation: ConversationDoc; created: boolean }> {
    const isChat = !isThreadedChannel(input.channel);
    const number = await nextNumber();
    try {
      const created = await Conversation.create({
        number,
        contactId: input.contactId,
        contactName: input.contactName,
        contactTier: input.contactTier,
        channels: [input.channel],
        primaryChannel: input.channel,
        inboxId: input.inboxId,
        lastInbound: { channel: input.channel, inboxId: input.inboxId },
        subject: input.subject,
        status: 'new',
        priority: input.priority,
        category: input.category,
        previousConversationId: input.previousConversationId ?? null,
        openingKey: input.openingKey,
        ...(isChat ? { activeChatKey: input.contactId } : {}),
        lastMessageAt: input.occurredAt,
        routing: { state: 'unassigned' },
        metrics: { reopenCount: 0 },
        lastSeq: 1,
      });
      return { conversation: created.toObject<ConversationDoc>(), created: true };
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const winner =
        (await findByOpeningKey(input.openingKey)) ?? (isChat ? await findActiveChat(input.contactId) : null);
      if (!winner) throw error;
      return { conversation: winner, created: false };
    }
  }

  /**
   * The next timeline sequence number of a conversation (atomic `$inc lastSeq`). With `openOnly`, a closed
   * conversation yields null: the caller then opens a new one.
   */
  async function allocateSeq(conversationId: string, options: { openOnly: boolean }): Promise<number | null> {
    const _id = toObjectId(conversationId);
    if (!_id) return null;
    const filter: Record<string, unknown> = options.openOnly
      ? { _id, status: op({ $ne: 'closed' }) }
      : { _id };
    const updated = await Conversation.findOneAndUpdate(
      filter,
      { $inc: { lastSeq: 1 } },
      { returnDocument: 'after', projection: { lastSeq: 1 }, timestamps: false },
    ).lean<{ lastSeq: number }>();
    return updated ? updated.lastSeq : null;
  }

  /**
   * Bookkeeping after an inbound message was stored: metrics, channels, thread keys and the status
   * (a resolved conversation reopens, pending or snoozed ones open). One guarded update, retried when the
   * status changed in between.
   */
  async function recordInbound(
    conversationId: string,
    input: {
      channel: string;
      inboxId: string;
      occurredAt: Date;
      threadKey?: string;
      contactName?: string;
      contactTier?: string;
      /** A resolved conversation stays resolved (the message answers our CSAT question). */
      keepResolved?: boolean;
    },
    /** The conversation as the caller last saw it: the first attempt guards on it instead of reading. */
    seen?: ConversationDoc,
  ): Promise<{ conversation: ConversationDoc; previousStatus: ConversationStatus }> {
    for (let attempt = 0; attempt < MAX_GUARDED_RETRIES; attempt++) {
      const current = attempt === 0 && seen ? seen : await getConversation(conversationId);
      const set: Record<string, unknown> = {
        lastInbound: { channel: input.channel, inboxId: input.inboxId },
      };
      if (input.contactName) set.contactName = input.contactName;
      if (input.contactTier) set.contactTier = input.contactTier;
      const unset: Record<string, ''> = {};
      const inc: Record<string, number> = {};
      if (current.status === 'resolved' && !input.keepResolved) {
        set.status = 'open';
        inc['metrics.reopenCount'] = 1;
        unset['metrics.resolvedAt'] = '';
      } else if (current.status === 'pending' || current.status === 'snoozed') {
        set.status = 'open';
        unset.snoozedUntil = '';
      }
      const addToSet: Record<string, unknown> = { channels: input.channel };
      if (input.threadKey) addToSet.threadKeys = input.threadKey;
      const updated = await Conversation.findOneAndUpdate(
        { _id: current._id, status: current.status },
        {
          $set: set,
          $max: { lastMessageAt: input.occurredAt, 'metrics.lastInboundAt': input.occurredAt },
          $min: { 'metrics.firstInboundAt': input.occurredAt },
          $addToSet: addToSet,
          ...(Object.keys(unset).length ? { $unset: unset } : {}),
          ...(Object.keys(inc).length ? { $inc: inc } : {}),
        },
        { returnDocument: 'after' },
      ).lean<ConversationDoc>();
      if (updated) return { conversation: updated, previousStatus: current.status };
    }
    throw new AppError('CONFLICT', { message: `conversation ${conversationId} kept changing during ingest` });
  }

  /** Bookkeeping after an agent's public reply: first response, last outbound, new → open. */
  async function recordOutbound(
    conversationId: string,
    input: { channel: string; occurredAt: Date; threadKey?: string; isHuman: boolean },
  ): Promise<ConversationDoc | null> {
    const _id = toObjectId(conversationId);
    if (!_id) return null;
    const addToSet: Record<string, unknown> = { channels: input.channel };
    if (input.threadKey) addToSet.threadKeys = input.threadKey;
    await Conversation.updateOne(
      { _id },
      {
        $max: { lastMessageAt: input.occurredAt, 'metrics.lastOutboundAt': input.occurredAt },
        ...(input.isHuman ? { $min: { 'metrics.firstHumanResponseAt': input.occurredAt } } : {}),
        $addToSet: addToSet,
      },
    );
    const opened = await Conversation.findOneAndUpdate(
      { _id, status: 'new' },
      { $set: { status: 'open' } },
      { returnDocument: 'after' },
    ).lean<ConversationDoc>();
    if (opened) {
      await events.emit('conversation.updated', {
        conversationId,
        changes: ['status'],
        status: 'open',
        previousStatus: 'new',
        teamId: opened.teamId,
        assigneeId: opened.assigneeId,
      });
      return opened;
    }
    return Conversation.findById(_id).lean<ConversationDoc>();
  }

  /** An agent's status change: allowed transitions only, guarded on the status it read. */
  async function setStatus(
    conversationId: string,
    input: { status: ConversationStatus; snoozedUntil?: Date },
  ): Promise<ConversationDoc> {
    const now = clock.now();
    if (input.status === 'snoozed') {
      if (!input.snoozedUntil || input.snoozedUntil.getTime() <= now.getTime())
        throw new AppError('INVALID_INPUT', { userMessage: 'snoozedUntil must be a future time.' });
    }
    for (let attempt = 0; attempt < MAX_GUARDED_RETRIES; attempt++) {
      const current = await getConversation(conversationId);
      if (current.status === input.status && input.status !== 'snoozed') return current;
      if (current.status !== input.status && !canChangeStatus(current.status, input.status))
        throw new AppError('CONFLICT', {
          userMessage: `A ${current.status} conversation cannot become ${input.status}.`,
        });
      const set: Record<string, unknown> = { status: input.status };
      const unset: Record<string, ''> = {};
      const inc: Record<string, number> = {};
      if (input.status === 'snoozed') set.snoozedUntil = input.snoozedUntil;
      else unset.snoozedUntil = '';
      if (input.status === 'resolved') set['metrics.resolvedAt'] = now;
      if (input.status === 'closed') {
        set['metrics.closedAt'] = now;
        if (current.status !== 'resolved') set['metrics.resolvedAt'] = current.metrics?.resolvedAt ?? now;
        // A closed conversation no longer holds the contact's running chat: the next message opens a new one.
        unset.activeChatKey = '';
      }
      if (current.status === 'resolved' && input.status === 'open') {
        inc['metrics.reopenCount'] = 1;
        unset['metrics.resolvedAt'] = '';
      }
      const updated = await Conversation.findOneAndUpdate(
        { _id: current._id, status: current.status },
        {
          $set: set,
          ...(Object.keys(unset).length ? { $unset: unset } : {}),
          ...(Object.keys(inc).length ? { $inc: inc } : {}),
        },
        { returnDocument: 'after' },
      ).lean<ConversationDoc>();
      if (!updated) continue;
      await events.emit('conversation.updated', {
        conversationId,
        changes: ['status'],
        status: updated.status,
        previousStatus: current.status,
        teamId: updated.teamId,
        assigneeId: updated.assigneeId,
      });
      return updated;
    }
    throw new AppError('CONFLICT', { userMessage: 'The conversation changed meanwhile; try again.' });
  }

  /** Assigns (or unassigns) an agent and/or a team; guarded on the assignee it read. */
  async function assign(
    conversationId: string,
    input: { assigneeId: string | null; teamId?: string | null },
  ): Promise<ConversationDoc> {
    const current = await getConversation(conversationId);
    if (current.status === 'closed')
      throw new AppError('CONFLICT', { userMessage: 'A closed conversation cannot be reassigned.' });
    const set: Record<string, unknown> = {
      assigneeId: input.assigneeId,
      'routing.state': input.assigneeId ? 'assigned' : 'unassigned',
    };
    if (input.teamId !== undefined) set.teamId = input.teamId;
    const updated = await Conversation.findOneAndUpdate(
      { _id: current._id, assigneeId: current.assigneeId ?? null, teamId: current.teamId ?? null },
      { $set: set },
      { returnDocument: 'after' },
    ).lean<ConversationDoc>();
    if (!updated)
      throw new AppError('CONFLICT', { userMessage: 'The conversation was reassigned meanwhile.' });
    if (updated.assigneeId !== current.assigneeId || updated.teamId !== current.teamId)
      await events.emit('conversation.assigned', {
        conversationId,
        assigneeId: updated.assigneeId,
        previousAssigneeId: current.assigneeId ?? null,
        teamId: updated.teamId,
      });
    return updated;
  }

  /** Sets one plain field when it differs; emits `conversation.updated` when it changed. */
  async function setField<K extends 'priority' | 'category'>(
    conversationId: string,
    field: K,
    value: ConversationDoc[K],
  ): Promise<ConversationDoc> {
    const current = await getConversation(conversationId);
    const updated = await Conversation.findOneAndUpdate(
      { _id: current._id, [field]: op({ $ne: value }) },
      { $set: { [field]: value } },
      { returnDocument: 'after' },
    ).lean<ConversationDoc>();
    if (!updated) return getConversation(conversationId);
    await events.emit('conversation.updated', {
      conversationId,
      changes: [field],
      teamId: updated.teamId,
      assigneeId: updated.assigneeId,
    });
    return updated;
  }

  async function updateTags(
    conversationId: string,
    input: { add: string[]; remove: string[] },
  ): Promise<ConversationDoc> {
    const current = await getConversation(conversationId);
    // Two atomic updates ($addToSet and $pull cannot touch one path in one update); a tag in both is removed.
    if (input.add.length)
      await Conversation.updateOne({ _id: current._id }, { $addToSet: { tags: op({ $each: input.add }) } });
    if (input.remove.length)
      await Conversation.updateOne({ _id: current._id }, { $pull: { tags: op({ $in: input.remove }) } });
    const updated = await getConversation(conversationId);
    await events.emit('conversation.updated', {
      conversationId,
      changes: ['tags'],
      teamId: updated.teamId,
      assigneeId: updated.assigneeId,
    });
    return updated;
  }

  async function setCsat(
    conversationId: string,
    input: { score: number; comment?: string },
  ): Promise<ConversationDoc> {
    const current = await getConversation(conversationId);
    const updated = await Conversation.findOneAndUpdate(
      { _id: current._id },
      { $set: { csat: { score: input.score, comment: input.comment, at: clock.now() } } },
      { returnDocument: 'after' },
    ).lean<ConversationDoc>();
    if (!updated) throw new AppError('NOT_FOUND', { userMessage: 'Conversation not found.' });
    await events.emit('conversation.updated', {
      conversationId,
      changes: ['csat'],
      teamId: updated.teamId,
      assigneeId: updated.assigneeId,
    });
    await events.emit('csat.received', {
      conversationId,
      contactId: updated.contactId,
      score: input.score,
      comment: input.comment ?? null,
    });
    return updated;
  }

  /**
   * The customer waits for a call back (missed call, voicemail): tag `callback` and open the conversation
   * (a resolved one reopens) so it shows as work to do. A closed conversation only gets the tag.
   */
  async function requestCallback(conversationId: string): Promise<ConversationDoc> {
    for (let attempt = 0; attempt < MAX_GUARDED_RETRIES; attempt++) {
      const current = await getConversation(conversationId);
      const opens = ['resolved', 'pending', 'snoozed'].includes(current.status);
      const updated = await Conversation.findOneAndUpdate(
        { _id: current._id, status: current.status },
        {
          $addToSet: { tags: 'callback' },
          ...(opens
            ? { $set: { status: 'open' }, $unset: { snoozedUntil: '', 'metrics.resolvedAt': '' } }
            : {}),
          ...(current.status === 'resolved' ? { $inc: { 'metrics.reopenCount': 1 } } : {}),
        },
        { returnDocument: 'after' },
      ).lean<ConversationDoc>();
      if (!updated) continue;
      await events.emit('conversation.updated', {
        conversationId,
        changes: opens ? ['tags', 'status'] : ['tags'],
        ...(opens ? { status: updated.status, previousStatus: current.status } : {}),
        teamId: updated.teamId,
        assigneeId: updated.assigneeId,
      });
      return updated;
    }
    throw new AppError('CONFLICT', { userMessage: 'The conversation changed meanwhile; try again.' });
  }

  return {
    requestCallback,
    findConversation,
    getConversation,
    findByOpeningKey,
    findByThreadKeys,
    findByEmailReplyToken,
    ensureEmailReplyToken,
    addThreadKey,
    findByNumber,
    findActiveChat,
    findLatestChat,
    openConversation,
    allocateSeq,
    recordInbound,
    recordOutbound,
    setStatus,
    assign,
    setPriority: (id: string, priority: Priority) => setField(id, 'priority', priority),
    setCategory: (id: string, category: Category) => setField(id, 'category', category),
    updateTags,
    setCsat,
  };
}

export type ConversationsService = ReturnType<typeof createConversationsService>;
