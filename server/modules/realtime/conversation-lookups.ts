import {
  toConversationSummary,
  toMessageSummary,
  type ConversationDoc,
  type MessageDoc,
} from '../conversations';
import type { RealtimeLookups } from './realtime.listeners';

/** Realtime's reads, on the conversations module's finders and payload mappers. */
export function createConversationLookups(deps: {
  findConversation(conversationId: string): Promise<ConversationDoc | null>;
  findMessage(messageId: string): Promise<MessageDoc | null>;
}): RealtimeLookups {
  return {
    async findConversationSummary(conversationId) {
      const conversation = await deps.findConversation(conversationId);
      return conversation ? toConversationSummary(conversation) : null;
    },
    async findConversationAccess(conversationId) {
      const conversation = await deps.findConversation(conversationId);
      return conversation
        ? {
            teamId: conversation.teamId ?? null,
            assigneeId: conversation.assigneeId ?? null,
            ownerId: conversation.ownerId ?? null,
          }
        : null;
    },
    async findMessageSummary(messageId) {
      const message = await deps.findMessage(messageId);
      return message ? toMessageSummary(message) : null;
    },
  };
}
