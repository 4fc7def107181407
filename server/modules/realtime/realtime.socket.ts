import { z } from 'zod';
import type { Logger } from '../../lib/logger';
import type { AgentNamespace, AgentSocket } from '../../realtime/socket-server';
import { EVENT_ID_PATTERN, formatEventId, normalizeEventId } from './event-id';
import { principalRooms } from './realtime-rooms';
import type { RealtimeService } from './realtime.service';

/** At most this many events are replayed by one `sync`; the ack says `truncated` when more are waiting. */
export const DEFAULT_SYNC_LIMIT = 5_000;

const SyncSchema = z.strictObject({
  lastEventId: z.string().regex(EVENT_ID_PATTERN, 'must be an event id').nullable(),
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
}): void {
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
    const emitter = socket as unknown as { emit(event: string, payload: unknown): boolean };
    for (const event of batch) emitter.emit(event.name, { ...event.payload, eventId: event.eventId });
    return {
      ok: true,
      replayed: batch.length,
      truncated,
      lastEventId: batch.at(-1)?.eventId ?? formatEventId(Number(after)),
    };
  }
}
