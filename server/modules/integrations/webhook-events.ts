import type { DomainEvents } from '../../domain-events';

/** The event types an integration can subscribe to (names are the public contract: never rename). */
export const WEBHOOK_EVENT_TYPES = [
  'message.created',
  'message.updated',
  'conversation.created',
  'conversation.status_changed',
  'conversation.assigned',
  'contact.created',
  'contact.merged',
  'sla.warning',
  'sla.breached',
  'csat.received',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** An event as it leaves: its idempotency key, type and data. */
export interface WebhookEvent {
  key: string;
  type: WebhookEventType;
  occurredAt: Date;
  data: Record<string, unknown>;
}

type Mapper<K extends keyof DomainEvents> = (
  payload: DomainEvents[K],
  at: Date,
) => Omit<WebhookEvent, 'occurredAt'> | null;

/**
 * Domain events → webhook events. The key identifies one occurrence: a message's creation (an inbound
 * message and an agent's reply are both `message.created`, keyed by the message alone, so the sweep that
 * recovers events lost in a crash finds the same key), a delivery status step, an SLA target cycle; events
 * that can recur on one subject (status changes, assignments) carry the time they were seen.
 */
export const WEBHOOK_MAPPERS: { [K in keyof DomainEvents]?: Mapper<K> } = {
  'message.received': (p) => ({
    key: `message.created:${p.messageId}`,
    type: 'message.created',
    data: { messageId: p.messageId, conversationId: p.conversationId },
  }),
  'message.created': (p) => ({
    key: `message.created:${p.messageId}`,
    type: 'message.created',
    data: { messageId: p.messageId, conversationId: p.conversationId },
  }),
  'message.status': (p) => ({
    key: `message.updated:${p.messageId}:status:${p.status}`,
    type: 'message.updated',
    data: {
      messageId: p.messageId,
      conversationId: p.conversationId,
      status: p.status,
      error: p.error ?? null,
    },
  }),
  'message.updated': (p, at) => ({
    key: `message.updated:${p.messageId}:${[...p.changes].sort().join(',')}:${at.getTime()}`,
    type: 'message.updated',
    data: { messageId: p.messageId, conversationId: p.conversationId, changes: p.changes },
  }),
  'conversation.created': (p) => ({
    key: `conversation.created:${p.conversationId}`,
    type: 'conversation.created',
    data: { ...p },
  }),
  'conversation.updated': (p, at) =>
    p.changes.includes('status') && p.status
      ? {
          key: `conversation.status_changed:${p.conversationId}:${p.previousStatus ?? ''}>${p.status}:${at.getTime()}`,
          type: 'conversation.status_changed',
          data: {
            conversationId: p.conversationId,
            status: p.status,
            previousStatus: p.previousStatus ?? null,
          },
        }
      : null,
  'conversation.assigned': (p, at) => ({
    key: `conversation.assigned:${p.conversationId}:${p.previousAssigneeId ?? ''}>${p.assigneeId ?? ''}:${at.getTime()}`,
    type: 'conversation.assigned',
    data: { ...p },
  }),
  'contact.created': (p) => ({
    key: `contact.created:${p.contactId}`,
    type: 'contact.created',
    data: { ...p },
  }),
  'contact.merged': (p) => ({
    key: `contact.merged:${p.sourceContactId}>${p.targetContactId}`,
    type: 'contact.merged',
    data: { ...p },
  }),
  'sla.warning': (p) => ({
    key: `sla.warning:${p.conversationId}:${p.target}:${p.cycle}`,
    type: 'sla.warning',
    data: { ...p },
  }),
  'sla.breached': (p) => ({
    key: `sla.breached:${p.conversationId}:${p.target}:${p.cycle}`,
    type: 'sla.breached',
    data: { ...p },
  }),
  // A score can be entered again (an agent corrects it): each recording is its own occurrence.
  'csat.received': (p, at) => ({
    key: `csat.received:${p.conversationId}:${at.getTime()}`,
    type: 'csat.received',
    data: { ...p },
  }),
};
