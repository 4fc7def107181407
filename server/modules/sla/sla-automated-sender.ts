/**
 * Sends an automated customer message (complaint acknowledgement, resolution + CSAT question) through the
 * conversations/outbound path: a timeline entry first (outbound, `isAutomated: true`, no author, status
 * queued), the conversation's outbound bookkeeping with `isHuman: false` (so it is never a first human
 * response), `message.created`, then the outbound send job.
 *
 * A caller (last inbound on `voice`) gets the message by SMS through the inbox of the number they called;
 * outbound addresses it to the contact's phone.
 *
 * Built only from the conversations module's public functions. It belongs there as a use case
 * (`createAutomatedMessage`); when that exists, the hub should pass it instead of this adapter.
 */
import type { DomainEvents } from '../../domain-events';
import type { Clock } from '../../lib/clock';
import type { EventBus } from '../../lib/event-bus';
import type { AutomatedSender } from './sla-complaints';

interface ConversationLike {
  contactId: string;
  inboxId: string;
  primaryChannel: string;
  status: string;
  lastInbound?: { channel?: string; inboxId?: string };
}

export interface AutomatedSenderDeps {
  getConversation(id: string): Promise<ConversationLike>;
  allocateSeq(id: string, options: { openOnly: boolean }): Promise<number | null>;
  insertMessage(message: Record<string, unknown> & { seq: number }): Promise<{ message: { _id: unknown } }>;
  recordOutbound(
    id: string,
    input: { channel: string; occurredAt: Date; isHuman: boolean },
  ): Promise<unknown>;
  enqueueOutbound(messageId: string): Promise<void>;
  events: EventBus<DomainEvents>;
  clock: Clock;
}

export function createAutomatedSender(deps: AutomatedSenderDeps): AutomatedSender {
  return async ({ conversationId, text, subject, html, via }) => {
    const conversation = await deps.getConversation(conversationId);
    if (conversation.status === 'closed') return;
    const lastChannel = via?.channel ?? conversation.lastInbound?.channel ?? conversation.primaryChannel;
    // A call cannot carry text: a caller is written to by SMS, through the number they called.
    const channel = lastChannel === 'voice' ? 'sms' : lastChannel;
    const inboxId = via?.inboxId ?? conversation.lastInbound?.inboxId ?? conversation.inboxId;
    const seq = await deps.allocateSeq(conversationId, { openOnly: true });
    if (seq === null) return;
    const now = deps.clock.now();
    const { message } = await deps.insertMessage({
      conversationId,
      contactId: conversation.contactId,
      seq,
      direction: 'outbound',
      kind: 'message',
      channel,
      inboxId,
      authorId: null,
      text,
      ...(html ? { html } : {}),
      ...(subject ? { subject } : {}),
      occurredAt: now,
      status: 'queued',
      isAutomated: true,
    });
    const messageId = String(message._id);
    await deps.recordOutbound(conversationId, { channel, occurredAt: now, isHuman: false });
    await deps.events.emit('message.created', {
      conversationId,
      messageId,
      authorId: null,
      isPrivate: false,
    });
    await deps.enqueueOutbound(messageId);
    return { messageId };
  };
}
