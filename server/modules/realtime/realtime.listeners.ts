import type { DomainEvents } from '../../domain-events';
import type { EventBus } from '../../lib/event-bus';
import type { Logger } from '../../lib/logger';
import type { ConversationSummary, MessageSummary } from '../../realtime/socket-events';
import { conversationRooms } from './realtime-rooms';
import type { RealtimeService } from './realtime.service';

/** How realtime reads what it pushes; the composition root adapts the conversations module to it. */
export interface RealtimeLookups {
  findConversationSummary(conversationId: string): Promise<ConversationSummary | null>;
  findMessageSummary(messageId: string): Promise<MessageSummary | null>;
  /** Who may see a conversation now (its team, assignee, owner): `sync` replays only what still applies. */
  findConversationAccess?(conversationId: string): Promise<ConversationAccess | null>;
}

/** The fields that decide who may see a conversation. */
export interface ConversationAccess {
  teamId?: string | null;
  assigneeId?: string | null;
  ownerId?: string | null;
}

/**
 * Turns domain events into socket events for the conversation's audience (assignee, team, supervisors).
 * Listeners read the current state when the event arrives, so a client always gets the latest summary.
 */
export function registerRealtimeListeners(deps: {
  events: EventBus<DomainEvents>;
  realtime: RealtimeService;
  lookups: RealtimeLookups;
  logger: Logger;
}): () => void {
  const { events, realtime, lookups } = deps;

  /**
   * `message:new` for a stored message. An inbound message's event names its audience as of its write
   * (team and assignee after the message): no conversation read; an agent's message reads it.
   */
  const pushNewMessage = async (event: {
    messageId: string;
    teamId?: string | null;
    assigneeId?: string | null;
  }) => {
    const message = await lookups.findMessageSummary(event.messageId);
    if (!message)
      return deps.logger.warn({ messageId: event.messageId }, 'realtime: message vanished before its push');
    const audience =
      'teamId' in event || 'assigneeId' in event
        ? event
        : await lookups.findConversationSummary(message.conversationId);
    await realtime.publish({
      event: 'message:new',
      payload: { message },
      rooms: conversationRooms(audience ?? {}),
    });
  };

  const pushConversationUpdate = async ({ conversationId }: { conversationId: string }) => {
    const conversation = await lookups.findConversationSummary(conversationId);
    if (!conversation) return;
    await realtime.publish({
      event: 'conversation:updated',
      payload: { conversation },
      rooms: conversationRooms(conversation),
    });
  };

  const unsubscribes = [
    events.on('message.received', pushNewMessage),
    events.on('message.created', pushNewMessage),
    events.on('message.updated', async (event: DomainEvents['message.updated']) => {
      const message = await lookups.findMessageSummary(event.messageId);
      if (!message) return;
      const conversation = await lookups.findConversationSummary(message.conversationId);
      await realtime.publish({
        event: 'message:updated',
        payload: { message, changes: event.changes },
        rooms: conversationRooms(conversation ?? {}),
      });
    }),
    events.on('message.status', async (event: DomainEvents['message.status']) => {
      const conversation = await lookups.findConversationSummary(event.conversationId);
      await realtime.publish({
        event: 'message:status',
        payload: {
          messageId: event.messageId,
          conversationId: event.conversationId,
          status: event.status as MessageSummary['status'] & string,
          ...(event.error === undefined ? {} : { error: event.error }),
        },
        rooms: conversationRooms(conversation ?? {}),
      });
    }),
    events.on('conversation.created', pushConversationUpdate),
    events.on('conversation.updated', pushConversationUpdate),
    events.on('conversation.assigned', async (event: DomainEvents['conversation.assigned']) => {
      const conversation = await lookups.findConversationSummary(event.conversationId);
      if (!conversation) return;
      await realtime.publish({
        event: 'conversation:assigned',
        payload: { conversation, assigneeId: event.assigneeId },
        rooms: conversationRooms({
          assigneeId: event.assigneeId,
          previousAssigneeId: event.previousAssigneeId,
          teamId: conversation.teamId ?? event.teamId,
        }),
      });
    }),
  ];
  return () => unsubscribes.forEach((unsubscribe) => unsubscribe());
}
