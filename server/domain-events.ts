/**
 * The one typed map of domain events (`entity.verb`). Services emit after their write succeeded; listeners
 * in realtime, routing, SLA and automations react. Payloads carry ids and the small facts listeners need,
 * never hydrated mongoose documents. Modules add their events here.
 */
export interface DomainEvents {
  /** A customer's message, call or voicemail was stored (never emitted for duplicates). */
  'message.received': {
    conversationId: string;
    messageId: string;
    contactId: string;
    channel: string;
    isNewConversation: boolean;
  };
  /** An agent's reply or note was stored (status queued for replies). */
  'message.created': {
    conversationId: string;
    messageId: string;
    authorId: string | null;
    isPrivate: boolean;
  };
  'message.status': { conversationId: string; messageId: string; status: string; error?: string };
  'conversation.created': { conversationId: string };
  'conversation.updated': { conversationId: string; changes: string[] };
  'conversation.assigned': {
    conversationId: string;
    assigneeId: string | null;
    previousAssigneeId: string | null;
    teamId: string | null;
  };
  'contact.merged': { sourceContactId: string; targetContactId: string };
}
