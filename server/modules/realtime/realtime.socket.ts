import { z } from 'zod';
import type { Logger } from '../../lib/logger';
import { rooms } from '../../realtime/socket-events';
import type { AgentNamespace, AgentSocket, SocketPrincipal } from '../../realtime/socket-server';
import { canSeeConversation } from '../conversations';
import { EVENT_ID_PATTERN, EVENT_ID_DIGITS, formatEventId, normalizeEventId } from './event-id';
import { principalRooms } from './realtime-rooms';
import type { ConversationAccess } from './realtime.listeners';
import type { RealtimeService, StoredEvent } from './realtime.service';

/** At most this many events are replayed by one `sync`; the ack says `truncated` when more are waiting. */
export const DEFAULT_SYNC_LIMIT = 5_000;

const MAX_EVENT_ID = 10 ** EVENT_ID_DIGITS - 1;

const SyncSchema = z.strictObject({
  lastEventId: z
    .string()
    .regex(EVENT_ID_PATTERN, 'must be an event id')
    // Sixteen digits can exceed what a double holds exactly (9999999999999999 reads as 1e16).
    .refine((id) => Number.isSafeInteger(Number(id)) && Number(id) <= MAX_EVENT_ID, 'must be an event id')
    .nullable(),
});

type AckResult =
  | { ok: true; replayed: number; truncated: boolean; lastEventId: string }
  | { ok: false; error: { code: string; message: string } };

function toAck(ack: unknown): (result: AckResult) => void {
  return typeof ack === 'function' ? (ack as (result: AckResult) => void) : () => undefined;
}

/** The rooms the socket is in, without its private id room. */
function socketRooms(socket: AgentSocket): string[] {
  return [...socket.rooms].filter((room) => room !== socket.id);
}

/**
 * Realtime's part of the /agent namespace: every authenticated socket joins its agent room, its team rooms
 * and (supervisors, admins) the supervisors room; `sync {lastEventId}` replays, to that socket only and in
 * id order, every persisted event after `lastEventId` addressed to one of its rooms.
 */
export function attachRealtimeSocketHandlers(deps: {
  agent: AgentNamespace;
  realtime: RealtimeService;
  logger: Logger;
  syncLimit?: number;
  /** Who may see a conversation now; without it, replay goes by the rooms the events were published to. */
  findConversationAccess?: (conversationId: string) => Promise<ConversationAccess | null>;
  /** "Now" in ms on the hub clock (token expiry); default wall time. */
  now?: () => number;
}): void {
  const now = deps.now ?? Date.now;
  const syncLimit = deps.syncLimit ?? DEFAULT_SYNC_LIMIT;
  deps.agent.on('connection', (socket) => {
    const principal = socket.data.principal;
    void socket.join(principalRooms(principal));
    let syncing = false;

    socket.on('sync', (payload: unknown, rawAck: unknown) => {
      const ack = toAck(rawAck);
      const parsed = SyncSchema.safeParse(payload);
      if (!parsed.success) {
        ack({
          ok: false,
          error: {
            code: 'INVALID_INPUT',
            message: `Invalid sync: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`,
          },
        });
        return;
      }
      // The expiry timer may lag behind on a busy process: an expired token replays nothing.
      const expiresAt = principal.expiresAt?.getTime();
      if (expiresAt !== undefined && expiresAt <= now()) {
        ack({ ok: false, error: { code: 'UNAUTHENTICATED', message: 'The access token has expired.' } });
        socket.disconnect(true);
        return;
      }
      // One replay at a time per socket: a client looping on sync cannot pile up 5,000-event reads.
      if (syncing) {
        ack({ ok: false, error: { code: 'RATE_LIMITED', message: 'A sync is already running.' } });
        return;
      }
      syncing = true;
      replay(socket, parsed.data.lastEventId)
        .then(ack)
        .catch((error: unknown) => {
          deps.logger.error({ err: error, agentId: principal.agentId }, 'sync replay failed');
          ack({ ok: false, error: { code: 'INTERNAL', message: 'Could not replay events; refresh.' } });
        })
        .finally(() => {
          syncing = false;
        });
    });
  });

  async function replay(socket: AgentSocket, lastEventId: string | null): Promise<AckResult> {
    // A client that has seen nothing yet only learns where the stream stands: it loads state over HTTP.
    if (lastEventId === null) {
      return { ok: true, replayed: 0, truncated: false, lastEventId: await deps.realtime.getLatestEventId() };
    }
    const after = normalizeEventId(lastEventId);
    const events = await deps.realtime.listEventsAfter({
      afterEventId: after,
      rooms: socketRooms(socket),
      limit: syncLimit + 1,
    });
    const truncated = events.length > syncLimit;
    const batch = truncated ? events.slice(0, syncLimit) : events;
    const entitled = await entitledEvents(socket.data.principal, batch);
    const emitter = socket as unknown as { emit(event: string, payload: unknown): boolean };
    for (const event of entitled) emitter.emit(event.name, { ...event.payload, eventId: event.eventId });
    return {
      ok: true,
      replayed: entitled.length,
      truncated,
      // Where the client resumes: after the last event looked at, replayed or not.
      lastEventId: batch.at(-1)?.eventId ?? formatEventId(Number(after)),
    };
  }

  /**
   * The events this socket is entitled to now. Rooms are fixed when an event is published; since then a
   * conversation may have moved to another team or agent. Supervisors see every conversation. Anyone else
   * gets an event about a conversation only if they may see it now, or, for `conversation:assigned` sent to
   * their own room, because that is how they learn it moved away from them.
   */
  async function entitledEvents(principal: SocketPrincipal, batch: StoredEvent[]): Promise<StoredEvent[]> {
    const find = deps.findConversationAccess;
    if (!find || principal.role === 'supervisor' || principal.role === 'admin') return batch;
    const ids = [...new Set(batch.map((event) => conversationIdOf(event.payload)).filter(isString))];
    // Conversations this socket may no longer see. One that is not found keeps the rooms' word: nothing
    // about it can have moved to another team.
    const hidden = new Set<string>();
    for (let i = 0; i < ids.length; i += 50) {
      const chunk = ids.slice(i, i + 50);
      const found = await Promise.all(chunk.map(async (id) => [id, await find(id)] as const));
      for (const [id, access] of found) if (access && !canSeeConversation(principal, access)) hidden.add(id);
    }
    const ownRoom = rooms.agent(principal.agentId);
    return batch.filter((event) => {
      const conversationId = conversationIdOf(event.payload);
      if (conversationId === null || !hidden.has(conversationId)) return true;
      return event.name === 'conversation:assigned' && event.rooms.includes(ownRoom);
    });
  }
}

function isString(value: string | null): value is string {
  return value !== null;
}

/** The conversation an event is about (`conversationId`, a message's, or a conversation summary's id). */
function conversationIdOf(payload: Record<string, unknown>): string | null {
  if (typeof payload.conversationId === 'string') return payload.conversationId;
  const nested = (key: string, field: string) => {
    const value = payload[key];
    if (typeof value !== 'object' || value === null) return null;
    const id = (value as Record<string, unknown>)[field];
    return typeof id === 'string' ? id : null;
  };
  return nested('message', 'conversationId') ?? nested('conversation', 'id');
}
