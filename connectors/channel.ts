/**
 * The one contract every channel adapter implements (DESIGN §3). A connector verifies and normalizes what
 * a provider sends into `InboundEvent`s and `StatusEvent`s, and sends outbound messages. Connectors never
 * touch mongoose, Socket.IO or `process.env`: they receive their inbox configuration and hand events to
 * the sink the hub gives them, acknowledging the provider only after the sink returned.
 */
import type { Request, RequestHandler, Router } from 'express';
import type { Redis } from 'ioredis';
import type { Readable } from 'node:stream';
import type { Namespace } from 'socket.io';
import type { Config } from '../server/config';

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
  /**
   * Other ids the provider gives the same person, valid beyond this inbox (a WeChat UnionID, shared by every
   * official account and mini-program of one company). Contact resolution matches on them after `externalId`
   * and records them on the contact, so the person's accounts meet on one contact.
   */
  linkedIdentities?: LinkedIdentity[];
}

/** An id of a person that spans a provider's accounts; `scheme` names the id space (`wechat-unionid`). */
export interface LinkedIdentity {
  scheme: string;
  externalId: string;
}

export interface InboundAttachment {
  contentType: string;
  filename?: string;
  size?: number;
  /** Inline bytes (email parts). */
  data?: Buffer;
  /** A provider URL to fetch later by a job (MMS, WhatsApp media); never fetched inside the webhook. */
  url?: string;
  /** An email part's Content-ID (without angle brackets): `cid:` links in the HTML point at it. */
  contentId?: string;
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
  /** The token of a `reply+<token>@` address the mail was sent to (names one conversation). */
  replyToken?: string;
}

/** What an email carries beyond the common fields (connectors/email). */
export interface EmailDetails {
  /** Lowercased recipient addresses (To, Cc) as written in the headers. */
  to: string[];
  cc: string[];
  /** The whole text as received, quoted history and signature included (`text` is trimmed for display). */
  fullText?: string;
  /** The whole HTML as received (`html` has the quoted history removed); ingest sanitizes both. */
  fullHtml?: string;
  /** Remote images blocked in the stored HTML (shown only when the agent asks). */
  remoteImages?: number;
  /** Why the mail counts as automated (`isAutomated`): the first header or sender rule that matched. */
  automatedReason?: string;
  /** SPF / DKIM / DMARC results an upstream relay recorded in `Authentication-Results`. */
  authentication?: { spf?: string; dkim?: string; dmarc?: string };
  /** The raw RFC 822 bytes: ingest keeps them in the attachment store so a parse can be redone. */
  raw?: Buffer;
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
  /** Email only: recipients, full original, automated reason, authentication results, raw bytes. */
  email?: EmailDetails;
  /**
   * Facts about the customer the channel learnt (a WeChat QR scene): merged into the contact's custom
   * attributes. A value an agent changed is never overwritten (rule in server/modules/contacts).
   */
  contactAttributes?: Record<string, string>;
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
  /**
   * Our message id, when the report authentically names it (a signed status-callback URL we generated for
   * the send). It matches the report to the send even when the provider id was never stored (a crash right
   * after the provider accepted it).
   */
  messageId?: string;
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
  /** Email: addresses the message is copied to. */
  cc?: string[];
  attachments?: { filename: string; contentType: string; data: Buffer }[];
  /** Where the provider should post delivery status callbacks for this message. */
  statusCallbackUrl?: string;
  /** True for messages the hub sent on its own (acknowledgement, CSAT): loop guards apply (email). */
  isAutomated?: boolean;
  /** The conversation the message belongs to (ticket number in subjects, the contact's locale). */
  conversation?: { id: string; number: number; contactId: string };
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

/**
 * A pre-approved message template a channel may send outside its reply window (WhatsApp), as configured for
 * one inbox. Its body has `{{1}}`…`{{n}}` placeholders.
 */
export interface ReplyTemplate {
  /** Shown to agents; WhatsApp Cloud addresses the template by name and language. */
  name: string;
  language: string;
  body: string;
  variables: number;
  /** The provider's id when it addresses templates by id (a Twilio Content SID, `HX…`). */
  providerId?: string;
}

/** A channel adapter. One instance serves one configured inbox. */
export interface Channel {
  readonly kinds: readonly ChannelKind[];
  readonly inboxId: string;
  /** True when the request carries a valid provider signature. Compared in constant time. */
  verifyWebhook?(request: WebhookRequest): boolean;
  send(message: OutboundMessage): Promise<SendResult>;
  /** The templates this inbox may send on a channel kind outside its reply window (none when absent). */
  replyTemplates?(kind: ChannelKind): readonly ReplyTemplate[];
  /** Pulled channels (IMAP) start here and push to the sink. */
  start?(sink: InboundSink): Promise<void>;
  stop?(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------
// The inbound half of the contract: connectors as plug-ins.
//
// A connector is a `ConnectorPlugin` registered in one list (`connectors/plugins.ts`). The hub calls its
// `create(context)` once at start with the ingest sink, the directory of configured inboxes and the few hub
// services a channel may need; the plugin answers with what it contributes: HTTP routes (webhooks, its
// stub and simulator panel in demo mode), ready channels for config-defined inboxes, factories that turn
// admin-configured inboxes into channels, media origins, and optionally long-running parts started with
// the sink (an SMTP listener, IMAP mailboxes). Adding a channel touches its folder and that list, never the
// hub. Plugins still never touch mongoose or `process.env`: configuration arrives parsed in `context.config`.
// ---------------------------------------------------------------------------------------------------------

/** An inbox as connectors see it (admin-configured or defined by configuration), credentials in clear. */
export interface InboxSettings {
  id: string;
  name: string;
  channel: ChannelKind;
  /** The number (E.164), email address, page id or bot name customers write to. */
  address: string | null;
  teamId: string | null;
  credentials: Readonly<Record<string, string>>;
  enabled: boolean;
  /** Moves on every edit: a connector that caches per-inbox state rebuilds it when this changes. */
  revision: number;
}

/** Where connectors find admin-configured inboxes (the hub's `inboxes` collection, secrets decrypted). */
export interface InboxDirectory {
  findById(inboxId: string): Promise<InboxSettings | null>;
  /** By the address customers reached on a channel kind. */
  findByAddress(channel: ChannelKind, address: string): Promise<InboxSettings | null>;
  /** Every enabled inbox of a channel kind (pulled channels start one poller per inbox). */
  listByChannel(channel: ChannelKind): Promise<InboxSettings[]>;
}

/** An Express router a connector mounts (its webhooks, a stub, a simulator panel, a staff API). */
export interface ConnectorRoute {
  path: string;
  router: Router;
  /** The router parses its own bodies (raw bytes for signatures, XML, a larger limit on one route). */
  parsesOwnBody?: boolean;
}

/** Where a provider's media may be downloaded from, and with which credentials (SSRF guard). */
export interface ConnectorMediaSource {
  name: string;
  origin: string;
  authFor?(input: {
    url: URL;
    inboxId: string | null;
  }): Promise<
    { type: 'basic'; username: string; password: string } | { type: 'bearer'; token: string } | null
  >;
}

/** A link on the customer simulator's index page (demo mode) to a connector's own simulator panel. */
export interface SimulatorPanel {
  /** Shown on the index, e.g. "SMS, WhatsApp and phone (Twilio)". */
  label: string;
  /** Absolute path of the panel, e.g. `/simulator/twilio`. */
  path: string;
}

/** What a plug-in contributes to the hub. Every part is optional. */
export interface ConnectorContribution {
  routes?: ConnectorRoute[];
  /** Ready channels of inboxes defined by configuration; `isDefault` makes one its kinds' default. */
  channels?: { channel: Channel; isDefault?: boolean }[];
  /** How admin-configured inboxes of these kinds become channels (built lazily, rebuilt on edits). */
  factories?: { kind: ChannelKind; create(inbox: InboxSettings): Channel }[];
  mediaSources?: ConnectorMediaSource[];
  simulator?: SimulatorPanel[];
  /**
   * Long-running parts, started once the hub is built. `listeners` (an SMTP server) run on processes that
   * serve traffic; `pollers` (IMAP mailboxes) on processes that run workers. Both hand events to the sink.
   */
  start?(sink: InboundSink, roles: { servesTraffic: boolean; runsWorkers: boolean }): Promise<void>;
  stop?(): Promise<void>;
}

/** Rendered template text (Handlebars files under `templates/`, per locale and channel). */
export interface RenderedTemplate {
  subject?: string;
  text: string;
  html?: string;
}

/** What a signed-in staff member is, for a connector's staff API routes (click-to-call). */
export interface StaffPrincipal {
  agentId: string;
  role: 'agent' | 'supervisor' | 'admin';
}

/** A conversation as connectors may see it. */
export interface ConnectorConversation {
  id: string;
  number: number;
  inboxId: string;
  contactId: string;
  primaryChannel: ChannelKind;
  status: string;
  teamId: string | null;
  assigneeId: string | null;
}

/** A contact as connectors may see it. */
export interface ConnectorContact {
  id: string;
  name?: string;
  phones: string[];
  emails: string[];
  locale?: string;
}

/** A timeline entry as a customer-facing channel shows it (web chat history). */
export interface ConnectorTimelineEntry {
  id: string;
  conversationId: string;
  seq: number;
  direction: 'inbound' | 'outbound';
  kind: string;
  channel: ChannelKind;
  text?: string;
  externalId?: string;
  authorId?: string | null;
  status?: DeliveryStatus;
  attachments: { filename?: string; contentType: string; size?: number }[];
  occurredAt: Date;
}

/** A queued conversation's place in its team's queue and the expected wait (null: too little history). */
export interface ConnectorQueuePlace {
  conversationId: string;
  channel: string;
  position: number;
  depth: number;
  expectedWait: { seconds: number; samples: number; windowMinutes: number; medianWaitSeconds: number } | null;
}

/** Hub services a connector may use; structural ports, so a connector is testable without a hub. */
export interface ConnectorHubServices {
  templates: {
    render(input: {
      key: string;
      channel: string;
      locale: string;
      data: Record<string, unknown>;
    }): RenderedTemplate;
  };
  /** The inbox's team calendar (SLA business calendars); an inbox without one is always open. */
  businessHours: {
    isOpen(input: { inboxId: string; at: Date }): Promise<boolean>;
    /** The next time the inbox's team is open (null: always open, or no opening within a year). */
    nextOpening(input: { inboxId: string; at: Date }): Promise<Date | null>;
  };
  conversations: { find(id: string): Promise<ConnectorConversation | null> };
  contacts: {
    find(id: string): Promise<ConnectorContact | null>;
    /**
     * Adds an email a customer gave (unverified: a pre-chat form) to their contact, unless another contact
     * already has it (it never joins two people); true when the contact has it afterwards.
     */
    addEmailIfUnclaimed?(contactId: string, email: string): Promise<boolean>;
  };
  agents: { findPhone(agentId: string): Promise<string | null> };
  /** Customer-visible timeline reads (web chat history and resume after a sequence number). */
  timeline?: {
    /** Inbound and outbound messages (never notes) with `seq` > `afterSeq`, in sequence order. */
    listAfter(
      conversationId: string,
      input: { afterSeq: number; limit: number },
    ): Promise<{ items: ConnectorTimelineEntry[]; hasMore: boolean }>;
    find(messageId: string): Promise<ConnectorTimelineEntry | null>;
    /**
     * The stored bytes of attachment `index` of a customer-visible message of this conversation; null when
     * the message is in another conversation, is a note, or that attachment has no stored bytes (yet).
     */
    openAttachment?(input: {
      conversationId: string;
      messageId: string;
      index: number;
    }): Promise<{ contentType: string; filename?: string; size?: number; stream: Readable } | null>;
  };
  /** A CSAT answer given in a channel's own UI (the web chat widget), on the same fields as other channels. */
  csat?: { record(conversationId: string, input: { score: number; comment?: string }): Promise<void> };
  /** Adds an email thread key (a Message-ID we sent) so a customer's mail reply threads into the conversation. */
  threads?: { addKey(conversationId: string, key: string): Promise<void> };
  /** The channel registry outbound uses (a channel continuing on another one: web chat → email). */
  channels?: { resolve(input: { channel: ChannelKind; inboxId?: string | null }): Promise<Channel | null> };
  /** Where queued conversations stand in their team's queue, with the expected wait (routing data). */
  queue?: {
    /** The conversation's place (null: not queued). */
    position(conversationId: string): Promise<ConnectorQueuePlace | null>;
    /** Every queued conversation of a team, in the dispatcher's order. */
    team(teamId: string): Promise<ConnectorQueuePlace[]>;
    /** The team's queue moved: `conversationId` left it (assigned, resolved, closed). */
    onMoved(listener: (input: { teamId: string; conversationId: string }) => void): void;
  };
  /** Live conversation signals for channels that push them to customers (web chat). */
  signals?: {
    /** Conversation changes (status, …); returns the unsubscribe function. */
    onConversationUpdated(
      listener: (input: { conversationId: string; changes: string[]; status?: string }) => void,
    ): () => void;
    /** An agent's `typing` on /agent (the listener checks who may be shown typing). */
    onAgentTyping(listener: (input: { conversationId: string; agentId: string }) => void): void;
    /** The customer is typing: agents watching the conversation get `conversation:customer-typing`. */
    customerTyping(conversationId: string): void;
  };
  /** For a connector's staff API routes (mounted under `/api`): the hub's auth and visibility rules. */
  staff: {
    requireAuth: RequestHandler;
    principal(req: Request): StaffPrincipal;
    /** The conversation when the signed-in staff member may see it, else null (answer 404, not 403). */
    findVisibleConversation(req: Request, conversationId: string): Promise<ConnectorConversation | null>;
    /** Throws the hub's error for a refused request (`{error: {code, message}}` with the code's status). */
    fail(
      code: 'INVALID_INPUT' | 'NOT_FOUND' | 'FORBIDDEN' | 'CONFLICT' | 'UNAVAILABLE',
      message: string,
      cause?: unknown,
    ): never;
  };
}

/** A logger as connectors use it (pino-compatible). */
export interface ConnectorLogger {
  debug(object: object, message: string): void;
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

/** Everything a plug-in is built from. */
export interface ConnectorContext {
  /** The hub's parsed, frozen configuration (each connector reads its own variables). */
  config: Config;
  /** The base URL providers call; webhook signatures are checked against it. */
  publicUrl: string;
  /** Where the hub's own HTTP server listens, for in-process stubs that call back (demo mode). */
  selfUrl: string;
  sink: InboundSink;
  inboxes: InboxDirectory;
  hub: ConnectorHubServices;
  clock: { now(): Date };
  logger: ConnectorLogger;
  /** Shared state across hub processes (call sessions, token caches, locks), under `keyPrefix`. */
  redis: Redis;
  keyPrefix: string;
  /** The customer namespace (`/customer`) of the hub's Socket.IO server, for the web chat widget. */
  customerSockets: Namespace;
}

/** A channel plug-in: one entry of `connectors/plugins.ts`. */
export interface ConnectorPlugin {
  /** Unique, e.g. `twilio`, `email`. */
  name: string;
  create(context: ConnectorContext): ConnectorContribution | Promise<ConnectorContribution>;
}
