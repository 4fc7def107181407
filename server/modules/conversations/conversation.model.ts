import { Schema, type Connection, type Model, type Types } from 'mongoose';

export const CONVERSATION_STATUSES = ['new', 'open', 'pending', 'snoozed', 'resolved', 'closed'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const CATEGORIES = ['complaint', 'inquiry', 'suggestion', 'praise', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];
export const ROUTING_STATES = ['unassigned', 'queued', 'offered', 'assigned'] as const;
export type RoutingState = (typeof ROUTING_STATES)[number];

/** First human number handed out (`#10001`). */
export const FIRST_CONVERSATION_NUMBER = 10001;

/**
 * Routing state (owned by the routing engine, which may add fields: the sub-schema is not strict so its
 * writes are kept without editing this file).
 */
const routingSchema = new Schema(
  {
    state: { type: String, enum: ROUTING_STATES, default: 'unassigned' },
    queuedAt: Date,
    offerId: String,
    offeredTo: String,
    offerExpiresAt: Date,
  },
  { _id: false, strict: false },
);

/**
 * SLA state (owned by the SLA module, which may add fields). `nextDueAt` is the earliest pending due date;
 * the list filter `slaDueBefore` reads it.
 */
const slaSchema = new Schema(
  {
    policyId: String,
    nextDueAt: Date,
    firstResponseDueAt: Date,
    nextResponseDueAt: Date,
    resolutionDueAt: Date,
    pausedAt: Date,
  },
  { _id: false, strict: false },
);

const metricsSchema = new Schema(
  {
    firstInboundAt: Date,
    firstHumanResponseAt: Date,
    lastInboundAt: Date,
    lastOutboundAt: Date,
    resolvedAt: Date,
    closedAt: Date,
    reopenCount: { type: Number, default: 0 },
  },
  { _id: false, strict: false },
);

const csatSchema = new Schema(
  { score: { type: Number, min: 1, max: 5 }, comment: String, at: Date },
  { _id: false },
);

export const conversationSchema = new Schema(
  {
    number: { type: Number, required: true },
    contactId: { type: String, required: true },
    /** Display snapshot of the contact (name, tier), refreshed on every inbound message; for list rows. */
    contactName: String,
    contactTier: String,
    channels: { type: [String], default: [] },
    primaryChannel: { type: String, required: true },
    inboxId: { type: String, required: true },
    /** Where the customer last wrote from: the default channel of a reply. */
    lastInbound: { type: new Schema({ channel: String, inboxId: String }, { _id: false }) },
    subject: String,
    status: { type: String, enum: CONVERSATION_STATUSES, default: 'new', required: true },
    snoozedUntil: Date,
    priority: { type: String, enum: PRIORITIES, default: 'normal', required: true },
    category: { type: String, enum: CATEGORIES, default: 'inquiry', required: true },
    tags: { type: [String], default: [] },
    assigneeId: { type: String, default: null },
    teamId: { type: String, default: null },
    /** The named person responsible (complaints). */
    ownerId: { type: String, default: null },
    routing: { type: routingSchema, default: () => ({ state: 'unassigned' }) },
    sla: { type: slaSchema, default: () => ({}) },
    metrics: { type: metricsSchema, default: () => ({ reopenCount: 0 }) },
    csat: { type: csatSchema },
    /** Email Message-IDs seen or sent in this conversation (threading). */
    threadKeys: { type: [String], default: [] },
    /** The token of the conversation's `reply+<token>@` email address (set on its first outbound mail). */
    emailReplyToken: String,
    previousConversationId: { type: String, default: null },
    /**
     * Idempotency key of the creation: `channel:externalId` of the event that opened it, so concurrent
     * deliveries of one event open one conversation.
     */
    openingKey: String,
    /**
     * Set (to the contact id) while a chat-like conversation is not closed: a unique index keeps one active
     * chat conversation per contact even when two different messages race to open one.
     */
    activeChatKey: String,
    lastSeq: { type: Number, default: 0 },
    lastMessageAt: { type: Date, required: true },
    erasedAt: Date,
  },
  { collection: 'conversations', timestamps: true, versionKey: false, strict: true },
);

conversationSchema.index({ number: 1 }, { unique: true });
conversationSchema.index(
  { openingKey: 1 },
  { unique: true, partialFilterExpression: { openingKey: { $exists: true } } },
);
conversationSchema.index(
  { activeChatKey: 1 },
  { unique: true, partialFilterExpression: { activeChatKey: { $exists: true } } },
);
conversationSchema.index({ lastMessageAt: -1, _id: -1 });
conversationSchema.index({ status: 1, lastMessageAt: -1 });
conversationSchema.index({ status: 1, updatedAt: -1 });
conversationSchema.index({ assigneeId: 1, status: 1, lastMessageAt: -1 });
conversationSchema.index({ teamId: 1, status: 1, lastMessageAt: -1 });
conversationSchema.index({ contactId: 1, lastMessageAt: -1 });
conversationSchema.index({ threadKeys: 1 });
conversationSchema.index(
  { emailReplyToken: 1 },
  { unique: true, partialFilterExpression: { emailReplyToken: { $exists: true } } },
);
conversationSchema.index({ category: 1, status: 1, lastMessageAt: -1 });
conversationSchema.index({ priority: 1, lastMessageAt: -1 });
conversationSchema.index({ channels: 1, lastMessageAt: -1 });
conversationSchema.index({ 'sla.nextDueAt': 1 });
/** The SLA sweep: conversations with a warning or breach not yet recorded, by when it falls due. */
conversationSchema.index({ 'sla.nextTimerAt': 1 });
/** SLA reports: conversations by when the customer first wrote. */
conversationSchema.index({ 'metrics.firstInboundAt': 1 });

export interface ConversationDoc {
  _id: Types.ObjectId;
  number: number;
  contactId: string;
  contactName?: string;
  contactTier?: string;
  channels: string[];
  primaryChannel: string;
  inboxId: string;
  lastInbound?: { channel?: string; inboxId?: string };
  subject?: string;
  status: ConversationStatus;
  snoozedUntil?: Date;
  priority: Priority;
  category: Category;
  tags: string[];
  assigneeId: string | null;
  teamId: string | null;
  ownerId: string | null;
  routing: { state: RoutingState; [key: string]: unknown };
  sla: { nextDueAt?: Date; [key: string]: unknown };
  metrics: {
    firstInboundAt?: Date;
    firstHumanResponseAt?: Date;
    lastInboundAt?: Date;
    lastOutboundAt?: Date;
    resolvedAt?: Date;
    closedAt?: Date;
    reopenCount: number;
  };
  csat?: { score?: number; comment?: string; at?: Date };
  threadKeys: string[];
  emailReplyToken?: string;
  previousConversationId: string | null;
  openingKey?: string;
  activeChatKey?: string;
  lastSeq: number;
  lastMessageAt: Date;
  erasedAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

export type ConversationModel = Model<ConversationDoc>;

/** The human-number counters (`{_id: name, seq}`), incremented atomically. */
const counterSchema = new Schema(
  { _id: { type: String, required: true }, seq: { type: Number, default: 0 } },
  { collection: 'counters', versionKey: false },
);
export type CounterModel = Model<{ _id: string; seq: number }>;

export function defineConversationModels(connection: Connection): {
  Conversation: ConversationModel;
  Counter: CounterModel;
} {
  return {
    Conversation:
      (connection.models.Conversation as ConversationModel | undefined) ??
      connection.model<ConversationDoc>('Conversation', conversationSchema),
    Counter:
      (connection.models.Counter as CounterModel | undefined) ??
      connection.model<{ _id: string; seq: number }>('Counter', counterSchema),
  };
}
