import type { ChannelKind, DeliveryStatus, SenderIdentity, ThreadKeys } from '../../../connectors/channel';
import { resolveRecipient, type ReachableContact } from './recipient';

/** A stored reply with what sending it needs (the composition root adapts the conversations module). */
export interface MessageForSend {
  id: string;
  conversationId: string;
  direction: 'inbound' | 'outbound' | 'internal';
  kind: 'message' | 'note' | 'call' | 'voicemail' | 'system';
  channel: ChannelKind;
  inboxId: string | null;
  status: DeliveryStatus | null;
  /** Bumped by each agent retry of a failed message: the send generation of the job. */
  retryCount: number;
  text: string;
  html?: string;
  subject?: string;
  thread?: ThreadKeys;
  /** Email: the addresses a reply is copied to. */
  cc?: string[];
  attachments: { storageKey?: string; filename?: string; contentType: string }[];
  /** The customer, as the channel addresses them; null when the channel cannot reach them. */
  recipient: SenderIdentity | null;
  /** Sent by the hub on its own (acknowledgement, CSAT): channels apply their loop guards (email). */
  isAutomated?: boolean;
  /** The conversation's ticket number and contact (email subjects and the contact's language). */
  conversationNumber?: number;
  contactId?: string;
  /** The provider's id, once known (from the send, or from a status callback that named this message). */
  externalId?: string;
}

/** What outbound needs from the timeline (conversations module). */
export interface OutboundTimeline {
  getMessageForSend(messageId: string): Promise<MessageForSend | null>;
  /** Records the provider's id and moves the message to `sent` (monotonic: a later status wins). */
  markSent(messageId: string, externalId: string): Promise<void>;
  /** Moves the message to `failed` with the provider's error (visible to the agent, who can retry). */
  markFailed(messageId: string, error: { code: string; message: string }): Promise<void>;
}

/** What the conversations module's timeline offers (its MessageForSend lacks the recipient). */
export interface TimelineForOutbound {
  getMessageForSend(
    messageId: string,
  ): Promise<(Omit<MessageForSend, 'recipient'> & { contactId: string }) | null>;
  markSent(messageId: string, externalId: string): Promise<unknown>;
  markFailed(messageId: string, error: { code: string; message: string }): Promise<unknown>;
}

/**
 * Adapts the conversations timeline and the contacts module to what outbound needs: the message plus its
 * recipient, resolved from the contact for the message's channel.
 */
export function createOutboundTimeline(deps: {
  timeline: TimelineForOutbound;
  findContact: (contactId: string) => Promise<ReachableContact | null>;
}): OutboundTimeline {
  return {
    async getMessageForSend(messageId) {
      const message = await deps.timeline.getMessageForSend(messageId);
      if (!message) return null;
      const contact = await deps.findContact(message.contactId);
      return { ...message, recipient: contact ? resolveRecipient(contact, message.channel) : null };
    },
    async markSent(messageId, externalId) {
      await deps.timeline.markSent(messageId, externalId);
    },
    async markFailed(messageId, error) {
      await deps.timeline.markFailed(messageId, error);
    },
  };
}
