import type { ChannelKind, DeliveryStatus, SenderIdentity, ThreadKeys } from '../../../connectors/channel';

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
  attachments: { storageKey?: string; filename?: string; contentType: string }[];
  /** The customer, as the channel addresses them. */
  recipient: SenderIdentity;
}

/** What outbound needs from the timeline (conversations module). */
export interface OutboundTimeline {
  getMessageForSend(messageId: string): Promise<MessageForSend | null>;
  /** Records the provider's id and moves the message to `sent` (monotonic: a later status wins). */
  markSent(messageId: string, externalId: string): Promise<void>;
  /** Moves the message to `failed` with the provider's error (visible to the agent, who can retry). */
  markFailed(messageId: string, error: { code: string; message: string }): Promise<void>;
}
