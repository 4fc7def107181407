import type { InboundSink, ChannelKind } from '../channel';
import type { TwilioInboxConfig } from './twilio-channel';
import type { ConnectTarget, VoiceLocale } from './twilio-twiml';

/** Where the Twilio webhooks find the inbox a request is for (config-defined or admin-configured). */
export interface TwilioInboxDirectory {
  /** By the inbox id the hub put in a callback URL it generated. */
  findById(inboxId: string): Promise<TwilioInboxConfig | null>;
  /** By our own address the customer reached (E.164, without `whatsapp:`) on a channel kind. */
  findByAddress(channel: ChannelKind, address: string): Promise<TwilioInboxConfig | null>;
}

/** Renders an IVR prompt from the voice templates (`templates/<locale>/voice/<key>.text.hbs`). */
export type RenderVoicePrompt = (key: string, locale: VoiceLocale, data: Record<string, unknown>) => string;

/**
 * The routing engine's seam for calls (provided later by routing): once an agent accepted the call's
 * conversation, where to connect the caller. Null while nobody has (the caller keeps waiting).
 */
export interface VoiceRouting {
  findConnectTarget(conversationId: string): Promise<ConnectTarget | null>;
}

/** The inbox's team calendar (the SLA module's business calendars); absent means always open. */
export interface BusinessHours {
  isOpen(input: { inboxId: string; at: Date }): Promise<boolean>;
}

/** What the IVR needs to know about a conversation: its human number, for the voicemail prompt. */
export interface ConversationLookup {
  findNumber(conversationId: string): Promise<number | null>;
}

/** Per-call state shared by the voice webhooks of one call (several hub nodes may serve them). */
export interface CallSessionState {
  conversationId?: string;
  locale?: VoiceLocale;
  category?: string;
  /** An agent's leg was answered. */
  connected?: boolean;
  voicemailRecordingSid?: string;
}

export interface CallSessions {
  get(callSid: string): Promise<CallSessionState | null>;
  /** Merges fields into the call's state (created when absent). */
  update(callSid: string, state: CallSessionState): Promise<void>;
}

/** An in-process CallSessions (tests, single-node demo); the hub uses a Redis-backed one. */
export function createMemoryCallSessions(): CallSessions {
  const sessions = new Map<string, CallSessionState>();
  return {
    get: (callSid) => Promise.resolve(sessions.get(callSid) ?? null),
    update(callSid, state) {
      sessions.set(callSid, { ...sessions.get(callSid), ...state });
      return Promise.resolve();
    },
  };
}

export interface WebhookLogger {
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface TwilioWebhookDeps {
  /** The hub's public base URL (signatures are checked against it, callback URLs built on it). */
  publicUrl: string;
  inboxes: TwilioInboxDirectory;
  sink: InboundSink;
  clock: { now(): Date };
  renderPrompt: RenderVoicePrompt;
  companyName: string;
  /** How long a caller waits for an agent before being offered the voicemail. */
  maxWaitSeconds: number;
  callSessions: CallSessions;
  voiceRouting?: VoiceRouting;
  businessHours?: BusinessHours;
  conversations?: ConversationLookup;
  /** Language of the IVR when the caller picks none. */
  defaultLocale?: VoiceLocale;
  /** Body size limit of the webhook routes (Twilio's requests are a few KB). */
  bodyLimitBytes?: number;
  logger?: WebhookLogger;
}
