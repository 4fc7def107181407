/**
 * The Socket.IO contract, typed once and shared by the server and agent-ui (DESIGN §7). Every
 * server-to-client event carries a persisted `eventId`: a client that reconnects sends `sync` with the last
 * id it saw and receives every event it missed, in order.
 *
 * This file must stay free of server-only imports: the browser bundle imports it.
 */

export type PresenceStatus = 'online' | 'away' | 'offline';

/** A conversation as clients see it (a subset of the stored document, ids as strings). */
export interface ConversationSummary {
  id: string;
  number: number;
  status: 'new' | 'open' | 'pending' | 'snoozed' | 'resolved' | 'closed';
  priority: 'low' | 'normal' | 'high' | 'urgent';
  category: 'complaint' | 'inquiry' | 'suggestion' | 'praise' | 'other';
  subject?: string;
  channel: string;
  contact: { id: string; name?: string; tier?: string };
  assigneeId?: string | null;
  teamId?: string | null;
  lastMessageAt?: string;
  updatedAt: string;
}

export interface MessageSummary {
  id: string;
  conversationId: string;
  seq: number;
  direction: 'inbound' | 'outbound' | 'internal';
  kind: 'message' | 'note' | 'call' | 'voicemail' | 'system';
  channel: string;
  text?: string;
  html?: string;
  authorId?: string | null;
  status?: 'queued' | 'sent' | 'delivered' | 'read' | 'failed';
  occurredAt: string;
}

/** An agent named in an internal note (`@[Name](agentId)`): one entry of their notification list. */
export interface MentionSummary {
  id: string;
  conversationId: string;
  conversationNumber: number;
  messageId: string;
  authorId: string | null;
  /** The note's text, mentions shown as `@Name`, cut short. */
  excerpt: string;
  createdAt: string;
  readAt: string | null;
}

/** A task (follow-up visit, automation follow-up, an agent's to-do) as clients see it. */
export interface TaskSummary {
  id: string;
  kind: 'follow_up' | 'automation' | 'manual';
  title: string;
  description: string | null;
  status: 'open' | 'done';
  assigneeId: string | null;
  teamId: string | null;
  contactId: string | null;
  conversationId: string | null;
  dueAt: string;
  result: {
    outcome: 'done' | 'reached' | 'satisfied' | 'not_satisfied' | 'not_reached';
    note: string | null;
    completedBy: string;
    completedAt: string;
  } | null;
  createdAt: string;
}

/** Every server → client payload carries the id of its persisted event. */
export interface Persisted {
  eventId: string;
}

export interface AgentServerToClientEvents {
  'offer:new': (
    payload: Persisted & { offerId: string; conversation: ConversationSummary; expiresAt: string },
  ) => void;
  'offer:revoked': (
    payload: Persisted & { offerId: string; reason: 'expired' | 'declined' | 'taken' | 'cancelled' },
  ) => void;
  'conversation:assigned': (
    payload: Persisted & { conversation: ConversationSummary; assigneeId: string | null },
  ) => void;
  'conversation:updated': (payload: Persisted & { conversation: ConversationSummary }) => void;
  'message:new': (payload: Persisted & { message: MessageSummary }) => void;
  /** A stored entry changed after the fact (call details, transcription, a fetched attachment). */
  'message:updated': (payload: Persisted & { message: MessageSummary; changes: string[] }) => void;
  'message:status': (
    payload: Persisted & {
      messageId: string;
      conversationId: string;
      status: NonNullable<MessageSummary['status']>;
      error?: string;
    },
  ) => void;
  'queue:updated': (
    payload: Persisted & { teamId: string; depth: number; longestWaitSeconds: number },
  ) => void;
  'agent:updated': (
    payload: Persisted & { agentId: string; status: PresenceStatus; load: Record<string, number> },
  ) => void;
  'sla:warning': (payload: Persisted & { conversationId: string; target: string; dueAt: string }) => void;
  'sla:breached': (payload: Persisted & { conversationId: string; target: string; dueAt: string }) => void;
  /** A task was created or completed (to its assignee, its team and supervisors). */
  'task:updated': (payload: Persisted & { task: TaskSummary }) => void;
  /** A notice for staff (an automation's `notify`), to the agents and teams it names. */
  'notification:new': (
    payload: Persisted & { text: string; conversationId: string | null; conversationNumber?: number },
  ) => void;
  /** The receiving agent was mentioned in a note (sent to their own room only). */
  'mention:new': (payload: Persisted & { conversationId: string; mention: MentionSummary }) => void;
  /**
   * Live signals (collision indicator), sent only to the sockets watching the conversation: never persisted
   * nor replayed by `sync`, so they carry no `eventId` (a stale "is typing" must not come back).
   */
  'conversation:viewers': (payload: { conversationId: string; viewerIds: string[] }) => void;
  'conversation:typing': (payload: { conversationId: string; agentId: string }) => void;
  /** The customer is typing in the web chat widget (sent to the sockets watching the conversation). */
  'conversation:customer-typing': (payload: { conversationId: string }) => void;
}

/** The names of every server → client event, for clients that subscribe to all of them. */
export const AGENT_SERVER_EVENTS = [
  'offer:new',
  'offer:revoked',
  'conversation:assigned',
  'conversation:updated',
  'message:new',
  'message:updated',
  'message:status',
  'queue:updated',
  'agent:updated',
  'sla:warning',
  'sla:breached',
  'mention:new',
  'task:updated',
  'notification:new',
] as const satisfies readonly (keyof AgentServerToClientEvents)[];

/** The live signals (no `eventId`, not replayed): see `conversation:viewers`. */
export const AGENT_SIGNAL_EVENTS = [
  'conversation:viewers',
  'conversation:typing',
  'conversation:customer-typing',
] as const satisfies readonly (keyof AgentServerToClientEvents)[];
export type AgentSignalEventName = (typeof AGENT_SIGNAL_EVENTS)[number];
/** The persisted server → client events (each carries `eventId`). */
export type AgentPersistedEventName = (typeof AGENT_SERVER_EVENTS)[number];

/** Acknowledgement of a client → server event: `{ok: true, ...}` or a stable error code. */
export type Ack<T = object> = (
  result: ({ ok: true } & T) | { ok: false; error: { code: string; message: string } },
) => void;

export interface AgentClientToServerEvents {
  'presence:set': (payload: { status: PresenceStatus }, ack?: Ack) => void;
  /** The agent's stored presence (it survives reloads: a reconnect within the grace period keeps it). */
  'presence:get': (payload: Record<string, never>, ack?: Ack<{ status: PresenceStatus }>) => void;
  /**
   * Watch one conversation (or none): the socket joins its room after a visibility check, and everyone
   * watching gets `conversation:viewers`. `typing` in a watched conversation sends `conversation:typing`.
   */
  'conversation:watch': (payload: { conversationId: string | null }, ack?: Ack) => void;
  'offer:accept': (payload: { offerId: string }, ack?: Ack) => void;
  'offer:decline': (payload: { offerId: string }, ack?: Ack) => void;
  /**
   * Answered with every event after `lastEventId` (in order, at most 5,000: `truncated` then says to sync
   * again from the ack's `lastEventId` or reload), then live events continue. `lastEventId: null` (a fresh
   * client) replays nothing and acks the current head. An event published during a sync can arrive both
   * live and replayed: drop repeats by `eventId`.
   */
  sync: (
    payload: { lastEventId: string | null },
    ack?: Ack<{ replayed: number; truncated: boolean; lastEventId: string }>,
  ) => void;
  typing: (payload: { conversationId: string }, ack?: Ack) => void;
}

/** Room names, built in one place. */
export const rooms = {
  agent: (agentId: string) => `agent:${agentId}`,
  /** The sockets of one login (disconnected when it is revoked). */
  session: (sessionId: string) => `session:${sessionId}`,
  team: (teamId: string) => `team:${teamId}`,
  supervisors: () => 'supervisors',
  conversation: (conversationId: string) => `conversation:${conversationId}`,
} as const;
