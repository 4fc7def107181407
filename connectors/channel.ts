/**
 * The one contract every channel adapter implements (DESIGN §3). A connector verifies and normalizes what
 * a provider sends into `InboundEvent`s and `StatusEvent`s, and sends outbound messages. Connectors never
 * touch mongoose, Socket.IO or `process.env`: they receive their inbox configuration and hand events to
 * the sink the hub gives them, acknowledging the provider only after the sink returned.
 */

export const CHANNEL_KINDS = [
  'sms',
  'whatsapp',
  'voice',
  'email',
  'webchat',
  'messenger',
  'instagram',
  'telegram',
  'wechat',
] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** Delivery status of an outbound message; it only ever moves forward (`failed` is terminal). */
export const DELIVERY_STATUSES = ['queued', 'sent', 'delivered', 'read', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Who sent an inbound event, as the channel knows them. */
export interface SenderIdentity {
  /** The channel's stable id for the sender: E.164 phone, lowercased email, PSID, chat id, OpenID. */
  externalId: string;
  /** A display handle (@username, "whatsapp:+8613…"), when the channel has one. */
  handle?: string;
  name?: string;
  email?: string;
  /** E.164. */
  phone?: string;
}

export interface InboundAttachment {
  contentType: string;
  filename?: string;
  size?: number;
  /** Inline bytes (email parts). */
  data?: Buffer;
  /** A provider URL to fetch later by a job (MMS, WhatsApp media); never fetched inside the webhook. */
  url?: string;
}

export interface CallDetails {
  direction: 'inbound' | 'outbound';
  /** Provider call status: ringing, in-progress, completed, busy, no-answer, failed, canceled. */
  status: string;
  durationSec?: number;
  recordingUrl?: string;
  recordingSid?: string;
  transcription?: string;
}

/** Keys a connector extracts so ingest can thread the event into an existing conversation. */
export interface ThreadKeys {
  /** This message's own id in the provider's threading scheme (an email Message-ID). */
  messageId?: string;
  inReplyTo?: string;
  references?: string[];
  /** A ticket number found in the subject (`[#10234]` → 10234). */
  ticketNumber?: number;
}

/** One customer interaction, normalized. `channel` + `externalId` is the idempotency key. */
export interface InboundEvent {
  channel: ChannelKind;
  inboxId: string;
  externalId: string;
  /** Provider time; the timeline orders by it, then by sequence. */
  occurredAt: Date;
  from: SenderIdentity;
  kind: 'message' | 'call' | 'voicemail';
  text?: string;
  /** Raw HTML as received; ingest sanitizes it before storing. */
  html?: string;
  subject?: string;
  attachments?: InboundAttachment[];
  call?: CallDetails;
  thread?: ThreadKeys;
  /** What the channel learnt about the request (an IVR menu choice, the caller's language). */
  hints?: { category?: string; priority?: string; locale?: string };
  /** True for auto-replies, bounces and list mail: never answer them automatically (mail loops). */
  isAutomated?: boolean;
}

/** A provider's report on an outbound message we sent (status callback, delivery receipt). */
export interface StatusEvent {
  channel: ChannelKind;
  inboxId: string;
  /** The provider's id of our outbound message. */
  externalId: string;
  status: DeliveryStatus;
  occurredAt: Date;
  error?: { code: string; message: string };
}

/** What the hub asks a connector to send. */
export interface OutboundMessage {
  /** Our message id: connectors pass it to providers that accept an idempotency key. */
  messageId: string;
  channel: ChannelKind;
  inboxId: string;
  to: SenderIdentity;
  text: string;
  html?: string;
  subject?: string;
  thread?: ThreadKeys;
  attachments?: { filename: string; contentType: string; data: Buffer }[];
  /** Where the provider should post delivery status callbacks for this message. */
  statusCallbackUrl?: string;
}

export interface SendResult {
  /** The provider's id for the sent message (kept on our message for status callbacks). */
  externalId: string;
  status: DeliveryStatus;
}

/**
 * A failed send. `permanent` errors (invalid number, blocked, outside the reply window) fail the message at
 * once; transient ones (timeouts, 5xx, rate limits) are retried with backoff by the outbound job.
 */
export class SendError extends Error {
  readonly permanent: boolean;
  readonly providerCode: string | undefined;

  constructor(message: string, options: { permanent: boolean; providerCode?: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'SendError';
    this.permanent = options.permanent;
    this.providerCode = options.providerCode;
  }
}

/** How a call ended, as the agent needs to see it on the call entry. */
export type CallOutcome = 'answered' | 'missed' | 'voicemail' | 'busy' | 'failed' | 'canceled';

/**
 * A later fact about a call or voicemail entry that was already ingested (call status callback, recording,
 * transcription). Keyed like the entry: `channel` + `externalId` (CallSid for calls, RecordingSid for
 * voicemails). Applying it twice changes nothing.
 */
export interface CallUpdateEvent {
  channel: ChannelKind;
  inboxId: string;
  externalId: string;
  occurredAt: Date;
  /** Fields to set on the entry's call details (duration, final status, recording, transcription). */
  call: Partial<CallDetails> & { outcome?: CallOutcome };
  /** Text to set on the entry (a voicemail's transcription). */
  text?: string;
  /**
   * The customer waits for a call back (missed call, voicemail): the conversation gets the tag `callback`
   * and is (re)opened, so it shows in the queue as work to do.
   */
  needsCallback?: boolean;
}

/** Where connectors hand what they received. Resolves once the event is durable. */
export interface InboundSink {
  ingest(event: InboundEvent): Promise<{ messageId: string; conversationId: string; duplicate: boolean }>;
  updateStatus(event: StatusEvent): Promise<void>;
  /** Applies a CallUpdateEvent (voice connectors); optional for sinks that take no calls. */
  updateCall?(event: CallUpdateEvent): Promise<void>;
}

/** A raw webhook request, as the provider made it, for signature checks that need the exact bytes. */
export interface WebhookRequest {
  /** The URL as the provider called it: the configured public base URL + path + query string. */
  publicUrl: string;
  method: string;
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
  query: Record<string, string>;
}

/** A channel adapter. One instance serves one configured inbox. */
export interface Channel {
  readonly kinds: readonly ChannelKind[];
  readonly inboxId: string;
  /** True when the request carries a valid provider signature. Compared in constant time. */
  verifyWebhook?(request: WebhookRequest): boolean;
  send(message: OutboundMessage): Promise<SendResult>;
  /** Pulled channels (IMAP) start here and push to the sink. */
  start?(sink: InboundSink): Promise<void>;
  stop?(): Promise<void>;
}
