/**
 * The `/customer` Socket.IO contract between the hub and the web chat widget, typed once. Browser-safe (the
 * widget bundle imports it): no Node imports here.
 */

/** A chat message as the visitor sees it. */
export interface WidgetMessage {
  id: string;
  conversationId: string;
  /** The conversation's sequence number: resume asks for everything after the last one held. */
  seq: number;
  from: 'visitor' | 'agent';
  text: string;
  /** `url`: the hub path that serves the file to this visitor (`Authorization: Bearer <visitor token>`). */
  attachments: { filename?: string; contentType: string; size?: number; url: string }[];
  status?: 'queued' | 'sent' | 'delivered' | 'read' | 'failed';
  occurredAt: string;
  /** The visitor's own id for a message it sent (the widget matches its pending bubble). */
  clientId?: string;
}

export interface WidgetPrechatField {
  key: string;
  label?: string;
  required: boolean;
  options?: string[];
}

export interface WidgetQueue {
  position: number;
  depth: number;
  /**
   * The expected wait from the team's recent assignments (`samples` of them); null when there were too
   * few recently to estimate (the widget says so instead of showing a number).
   */
  expectedWait: { seconds: number; samples: number } | null;
}

export interface WidgetSession {
  /** The visitor token to keep (localStorage) and present on the next connection. */
  token: string;
  /**
   * Set when the token the widget presented was refused (`expired`, or `invalid`: forged, another inbox's):
   * this session is a new anonymous visitor (or the verified identity sent along).
   */
  tokenRefused?: 'invalid' | 'expired';
  identified: boolean;
  inbox: { name: string; prechat: WidgetPrechatField[] };
  /** Whether the pre-chat form was filled in already. */
  profileComplete: boolean;
  hours: { open: boolean; nextOpening: string | null };
  conversation: { id: string; number: number; status: string; csatAsked: boolean } | null;
  /** Where the conversation waits while no agent has it yet (null: not queued). */
  queue: WidgetQueue | null;
  limits: { maxChars: number; maxAttachmentBytes: number; attachmentTypes: string[] };
}

export type WidgetAck<T = object> = (
  result:
    ({ ok: true } & T) | { ok: false; error: { code: string; message: string; retryAfterSec?: number } },
) => void;

export interface CustomerClientToServerEvents {
  /** Everything after `afterSeq` in the visitor's conversation, in order (page: `hasMore`). */
  history: (
    payload: { afterSeq: number },
    ack: WidgetAck<{ conversationId: string | null; items: WidgetMessage[]; hasMore: boolean }>,
  ) => void;
  /** The pre-chat form's answers. */
  'profile:set': (
    payload: { name?: string; email?: string; phone?: string; fields?: Record<string, string> },
    ack: WidgetAck,
  ) => void;
  /** A visitor message; `clientId` makes a resend after a reconnect idempotent. */
  'message:send': (
    payload: { clientId: string; text: string },
    ack: WidgetAck<{ message: WidgetMessage }>,
  ) => void;
  typing: (payload: Record<string, never>) => void;
  /** The visitor has seen every agent message up to `seq`. */
  read: (payload: { seq: number }, ack?: WidgetAck) => void;
  'csat:submit': (payload: { score: number; comment?: string }, ack: WidgetAck) => void;
  /** The conversation's place in the queue now. */
  'queue:get': (payload: Record<string, never>, ack: WidgetAck<{ queue: WidgetQueue | null }>) => void;
}

export interface CustomerServerToClientEvents {
  session: (payload: WidgetSession) => void;
  /** A fresh visitor token for a long-lived connection (the lifetime slides while the chat is used). */
  token: (payload: { token: string }) => void;
  /** Agent messages ask for an ack: the widget's ack is the delivery receipt. */
  message: (payload: { message: WidgetMessage }, ack?: (received: boolean) => void) => void;
  typing: (payload: { from: 'agent' }) => void;
  /** The conversation changed status; `csatAsked` when the widget should offer the rating. */
  conversation: (payload: { id: string; status: string; csatAsked: boolean }) => void;
  /** The queue moved: the conversation's new place and expected wait (null: no longer queued). */
  queue: (payload: { queue: WidgetQueue | null }) => void;
  /** A refused event without an ack (unknown event names, malformed frames). */
  'error:event': (payload: { code: string; message: string }) => void;
}

export const ATTACHMENT_TYPES = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/plain',
] as const;
