import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { CHANNEL_KINDS, DELIVERY_STATUSES, type DeliveryStatus } from '../../../connectors/channel';

export const MESSAGE_DIRECTIONS = ['inbound', 'outbound', 'internal'] as const;
export type MessageDirection = (typeof MESSAGE_DIRECTIONS)[number];
export const MESSAGE_KINDS = ['message', 'note', 'call', 'voicemail', 'system'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

const attachmentSchema = new Schema(
  {
    id: { type: String, required: true },
    filename: String,
    contentType: { type: String, required: true },
    size: Number,
    /** The attachment store's key; absent until the bytes are stored (or when they were refused). */
    storageKey: String,
    /** A provider URL a job still has to fetch (MMS, WhatsApp media). */
    sourceUrl: String,
  },
  { _id: false },
);

const callSchema = new Schema(
  {
    direction: { type: String, enum: ['inbound', 'outbound'] },
    status: String,
    durationSec: Number,
    recordingUrl: String,
    recordingSid: String,
    transcription: String,
    outcome: { type: String, enum: ['answered', 'missed', 'voicemail', 'busy', 'failed', 'canceled'] },
  },
  { _id: false },
);

const threadSchema = new Schema(
  { messageId: String, inReplyTo: String, references: { type: [String], default: undefined } },
  { _id: false },
);

/** What an inbound email carries beyond the common fields (connectors/email): the full original and more. */
const emailSchema = new Schema(
  {
    to: { type: [String], default: undefined },
    cc: { type: [String], default: undefined },
    /** The whole text as received (`text` is trimmed of quoted history and signature for display). */
    fullText: String,
    /** The whole HTML as received, sanitized (`html` has the quoted history removed). */
    fullHtml: String,
    /** Remote images removed from the stored HTML (an agent may ask to load them). */
    remoteImages: Number,
    /** The display HTML keeping its remote images (sanitized): the agent app shows it only on request. */
    htmlWithImages: String,
    automatedReason: String,
    authentication: { type: new Schema({ spf: String, dkim: String, dmarc: String }, { _id: false }) },
    /** The raw RFC 822 bytes in the attachment store, so a parse can be redone. */
    rawStorageKey: String,
    /** The reply threaded into a conversation but its subject changed to something unrelated. */
    possibleNewRequest: Boolean,
  },
  { _id: false },
);

export const messageSchema = new Schema(
  {
    conversationId: { type: String, required: true },
    contactId: { type: String, required: true },
    seq: { type: Number, required: true },
    direction: { type: String, enum: MESSAGE_DIRECTIONS, required: true },
    kind: { type: String, enum: MESSAGE_KINDS, required: true },
    channel: { type: String, enum: CHANNEL_KINDS, required: true },
    inboxId: String,
    /** The provider's id: inbound idempotency key, and the key of delivery status callbacks. */
    externalId: String,
    authorId: { type: String, default: null },
    text: String,
    /** Sanitized HTML (allowlist; remote images removed). */
    html: String,
    subject: String,
    attachments: { type: [attachmentSchema], default: [] },
    call: { type: callSchema },
    /** Delivery status of outbound messages; only moves forward (`failed` is terminal until a retry). */
    status: { type: String, enum: DELIVERY_STATUSES },
    error: { type: new Schema({ code: String, message: String }, { _id: false }) },
    sentAt: Date,
    deliveredAt: Date,
    readAt: Date,
    retryCount: Number,
    occurredAt: { type: Date, required: true },
    isAutomated: { type: Boolean, default: false },
    thread: { type: threadSchema },
    email: { type: emailSchema },
    erasedAt: Date,
  },
  { collection: 'messages', timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);

messageSchema.index({ conversationId: 1, seq: 1 }, { unique: true });
messageSchema.index({ conversationId: 1, occurredAt: 1, seq: 1 });
messageSchema.index(
  { channel: 1, externalId: 1 },
  { unique: true, partialFilterExpression: { externalId: { $exists: true } } },
);
messageSchema.index({ contactId: 1, channel: 1, occurredAt: -1 });
messageSchema.index({ 'thread.messageId': 1 }, { sparse: true });
/** Attachment downloads: which message (and so which conversation) holds a stored file. */
messageSchema.index({ 'attachments.storageKey': 1 }, { sparse: true });
/** The outgoing-webhook sweep: messages stored in the last minutes (recovers events a crash lost). */
messageSchema.index({ createdAt: 1 });

export interface MessageAttachment {
  id: string;
  filename?: string;
  contentType: string;
  size?: number;
  storageKey?: string;
  sourceUrl?: string;
}

export interface MessageDoc {
  _id: Types.ObjectId;
  conversationId: string;
  contactId: string;
  seq: number;
  direction: MessageDirection;
  kind: MessageKind;
  channel: string;
  inboxId?: string;
  externalId?: string;
  authorId: string | null;
  text?: string;
  html?: string;
  subject?: string;
  attachments: MessageAttachment[];
  call?: {
    direction?: 'inbound' | 'outbound';
    status?: string;
    durationSec?: number;
    recordingUrl?: string;
    recordingSid?: string;
    transcription?: string;
    outcome?: 'answered' | 'missed' | 'voicemail' | 'busy' | 'failed' | 'canceled';
  };
  status?: DeliveryStatus;
  error?: { code?: string; message?: string };
  sentAt?: Date;
  deliveredAt?: Date;
  readAt?: Date;
  retryCount?: number;
  occurredAt: Date;
  isAutomated: boolean;
  thread?: { messageId?: string; inReplyTo?: string; references?: string[] };
  email?: MessageEmailDetails;
  erasedAt?: Date;
  createdAt: Date;
}

export interface MessageEmailDetails {
  to?: string[];
  cc?: string[];
  fullText?: string;
  fullHtml?: string;
  remoteImages?: number;
  htmlWithImages?: string;
  automatedReason?: string;
  authentication?: { spf?: string; dkim?: string; dmarc?: string };
  rawStorageKey?: string;
  possibleNewRequest?: boolean;
}

export type MessageModel = Model<MessageDoc>;

/**
 * Delivery reports that arrived before we knew the provider id (the callback beat `markSent`): kept a day,
 * applied by `markSent`.
 */
const earlyStatusSchema = new Schema(
  {
    channel: { type: String, required: true },
    externalId: { type: String, required: true },
    status: { type: String, enum: DELIVERY_STATUSES, required: true },
    error: { type: new Schema({ code: String, message: String }, { _id: false }) },
    createdAt: { type: Date, required: true },
  },
  { collection: 'early_delivery_statuses', versionKey: false },
);
earlyStatusSchema.index({ channel: 1, externalId: 1, status: 1 }, { unique: true });
earlyStatusSchema.index({ createdAt: 1 }, { expireAfterSeconds: 24 * 3600 });

export interface EarlyStatusDoc {
  _id: Types.ObjectId;
  channel: string;
  externalId: string;
  status: DeliveryStatus;
  error?: { code?: string; message?: string };
  createdAt: Date;
}
export type EarlyStatusModel = Model<EarlyStatusDoc>;

export function defineMessageModels(connection: Connection): {
  Message: MessageModel;
  EarlyStatus: EarlyStatusModel;
} {
  return {
    Message:
      (connection.models.Message as MessageModel | undefined) ??
      connection.model<MessageDoc>('Message', messageSchema),
    EarlyStatus:
      (connection.models.EarlyDeliveryStatus as EarlyStatusModel | undefined) ??
      connection.model<EarlyStatusDoc>('EarlyDeliveryStatus', earlyStatusSchema),
  };
}
