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
    /** The conversation's team and assignee after the message (who should hear about it). */
    teamId?: string | null;
    assigneeId?: string | null;
    /** True when the message reopened a resolved (or woke a pending/snoozed) conversation. */
    reopened?: boolean;
    /** Auto-replies, bounces, list mail: never answer automatically. */
    isAutomated?: boolean;
  };
  /** An agent's reply or note was stored (status queued for replies). */
  'message.created': {
    conversationId: string;
    messageId: string;
    authorId: string | null;
    isPrivate: boolean;
  };
  /** A stored entry changed after the fact (call details, transcription, a fetched attachment). */
  'message.updated': { conversationId: string; messageId: string; changes: string[] };
  'message.status': { conversationId: string; messageId: string; status: string; error?: string };
  'conversation.created': {
    conversationId: string;
    contactId?: string;
    channel?: string;
    category?: string;
    priority?: string;
    teamId?: string | null;
    /** Set when a message to a closed conversation opened this one. */
    previousConversationId?: string | null;
  };
  'conversation.updated': {
    conversationId: string;
    changes: string[];
    /** With a `status` change: the new and the previous status. */
    status?: string;
    previousStatus?: string;
    teamId?: string | null;
    assigneeId?: string | null;
  };
  'conversation.assigned': {
    conversationId: string;
    assigneeId: string | null;
    previousAssigneeId: string | null;
    teamId: string | null;
  };
  'contact.merged': { sourceContactId: string; targetContactId: string };
  /** Contact resolution made a new contact (a sender no identity, email or phone matched; an import row). */
  'contact.created': { contactId: string; channel: string | null };
  /** A CSAT score was recorded on a conversation (the customer's answer, or an agent entering it). */
  'csat.received': { conversationId: string; contactId: string; score: number; comment: string | null };
  /**
   * An agent was created or changed by an admin or supervisor (`changes` names the fields: `role`, `active`,
   * `teamIds`, `skills`, …). Routing re-reads eligibility; realtime may disconnect an agent whose `active`
   * became false (their tokens are already revoked).
   */
  'agent.updated': { agentId: string; changes: string[]; active: boolean };
  /**
   * Sessions were revoked (logout, refresh-token reuse: one session; deactivation or a password change:
   * every session of the agent, `sessionId` null). Realtime disconnects the sockets they opened.
   */
  'auth.revoked': { agentId: string; sessionId: string | null };
  /** An SLA warning threshold passed (recorded once per conversation, target cycle and kind). */
  'sla.warning': {
    conversationId: string;
    target: string;
    cycle: number;
    dueAt: string;
    policyId: string | null;
  };
  /** An SLA target's due time passed unmet (recorded once per conversation and target cycle). */
  'sla.breached': {
    conversationId: string;
    target: string;
    cycle: number;
    dueAt: string;
    policyId: string | null;
  };
}
