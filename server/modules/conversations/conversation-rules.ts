/**
 * Pure rules of the conversation core: who may see a conversation, which status changes are allowed,
 * how delivery status moves, how list cursors are encoded, how a search text reads.
 */
import type { DeliveryStatus } from '../../../connectors/channel';
import type { ConversationStatus } from './conversation.model';

/** Who asks (identity's `Principal`, structurally). */
export interface Viewer {
  agentId: string;
  role: string;
  teamIds: readonly string[];
}

/** Supervisors and admins see every conversation; agents only their teams' and their own. */
export function seesEverything(viewer: Viewer): boolean {
  return viewer.role === 'supervisor' || viewer.role === 'admin';
}

export function canSeeConversation(
  viewer: Viewer,
  conversation: { teamId?: string | null; assigneeId?: string | null; ownerId?: string | null },
): boolean {
  if (seesEverything(viewer)) return true;
  if (conversation.assigneeId && conversation.assigneeId === viewer.agentId) return true;
  if (conversation.ownerId && conversation.ownerId === viewer.agentId) return true;
  return Boolean(conversation.teamId && viewer.teamIds.includes(conversation.teamId));
}

/**
 * Status changes an agent may make. `new` is only ever the initial state; `closed` is final (a new message
 * opens a new conversation linked to it).
 */
const ALLOWED: Record<ConversationStatus, readonly ConversationStatus[]> = {
  new: ['open', 'pending', 'snoozed', 'resolved', 'closed'],
  open: ['pending', 'snoozed', 'resolved', 'closed'],
  pending: ['open', 'snoozed', 'resolved', 'closed'],
  snoozed: ['open', 'pending', 'resolved', 'closed'],
  resolved: ['open', 'closed'],
  closed: [],
};

export function canChangeStatus(from: ConversationStatus, to: ConversationStatus): boolean {
  return ALLOWED[from].includes(to);
}

/** Chat-like channels keep one running conversation per contact; email opens one per thread. */
export function isThreadedChannel(channel: string): boolean {
  return channel === 'email';
}

const DELIVERY_RANK: Record<Exclude<DeliveryStatus, 'failed'>, number> = {
  queued: 0,
  sent: 1,
  delivered: 2,
  read: 3,
};

/**
 * The statuses from which a message may move to `target`: delivery status only moves forward, and `failed`
 * is reachable only from queued or sent (a delivered message did not fail) and is terminal.
 */
export function statusesBefore(target: DeliveryStatus): DeliveryStatus[] {
  if (target === 'failed') return ['queued', 'sent'];
  const rank = DELIVERY_RANK[target];
  return (Object.keys(DELIVERY_RANK) as Exclude<DeliveryStatus, 'failed'>[]).filter(
    (status) => DELIVERY_RANK[status] < rank,
  );
}

/** An opaque list cursor over (sort date, id). */
export interface ListCursor {
  at: Date;
  id: string;
}

export function encodeCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify([cursor.at.getTime(), cursor.id])).toString('base64url');
}

/** Null when the cursor is not one of ours. */
export function decodeCursor(value: string): ListCursor | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 2) return null;
    const [time, id] = parsed as unknown[];
    if (typeof time !== 'number' || !Number.isFinite(time) || typeof id !== 'string') return null;
    if (!/^[0-9a-f]{24}$/.test(id)) return null;
    // A finite number can still lie outside the Date range (±8.64e15 ms): that is not our cursor either.
    const at = new Date(time);
    return Number.isNaN(at.getTime()) ? null : { at, id };
  } catch {
    return null;
  }
}

/** `#10234` or `10234` → 10234; anything else → null. */
export function parseTicketNumber(q: string): number | null {
  const match = /^#?(\d{1,9})$/.exec(q.trim());
  return match ? Number(match[1]) : null;
}

/** A literal, case-insensitive pattern for a user's search text. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `Re: Broken kettle [#10234]` → 10234 (the tag we put into outbound subjects). */
export function ticketNumberFromSubject(subject: string | undefined): number | null {
  if (!subject) return null;
  const match = /\[#(\d{1,9})\]/.exec(subject);
  return match ? Number(match[1]) : null;
}
