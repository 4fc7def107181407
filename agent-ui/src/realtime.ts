/**
 * The app's live connection: Socket.IO `/agent` with the access token. Every server event carries a
 * persisted `eventId`; the last one seen is remembered, and on every (re)connect the client asks the
 * server to replay what it missed (`sync`), so nothing is lost across a network blip or a reload. Events
 * already seen are dropped, so nothing is shown twice.
 */
import { io, type Socket } from 'socket.io-client';
import {
  AGENT_SERVER_EVENTS,
  type AgentClientToServerEvents,
  type AgentServerToClientEvents,
  type PresenceStatus,
} from '../../server/realtime/socket-events';

type Events = AgentServerToClientEvents;
export type EventName = keyof Events;
export type EventPayload<K extends EventName> = Parameters<Events[K]>[0];
export type AnyEventHandler = <K extends EventName>(name: K, payload: EventPayload<K>) => void;

export interface Realtime {
  setPresence(status: PresenceStatus): Promise<void>;
  acceptOffer(offerId: string): Promise<{ ok: boolean; error?: { message: string } }>;
  declineOffer(offerId: string): Promise<void>;
  close(): void;
}

export function connectRealtime(options: {
  token: () => string | null;
  agentId: string;
  onEvent: AnyEventHandler;
  onConnectionChange: (connected: boolean) => void;
}): Realtime {
  const storageKey = `omnihub.lastEventId.${options.agentId}`;
  let lastEventId: string | null = localStorage.getItem(storageKey);
  const seen = new Set<string>();

  const socket: Socket<Events, AgentClientToServerEvents> = io('/agent', {
    auth: (cb) => cb({ token: options.token() }),
    transports: ['websocket'],
  });

  const accept = (eventId: string): boolean => {
    if (seen.has(eventId)) return false;
    seen.add(eventId);
    if (seen.size > 5000) seen.delete(seen.values().next().value as string);
    if (lastEventId === null || eventId > lastEventId) {
      lastEventId = eventId;
      localStorage.setItem(storageKey, eventId);
    }
    return true;
  };

  for (const name of AGENT_SERVER_EVENTS) {
    socket.on(name, (payload: { eventId: string }) => {
      if (accept(payload.eventId)) options.onEvent(name, payload as never);
    });
  }
  socket.on('connect', () => {
    options.onConnectionChange(true);
    socket.emit('sync', { lastEventId }, (result) => {
      // A first connection replays nothing and learns where the stream stands: later reconnects start there.
      const position = result.ok ? (result as { lastEventId?: string }).lastEventId : undefined;
      if (lastEventId === null && position) {
        lastEventId = position;
        localStorage.setItem(storageKey, position);
      }
    });
  });
  socket.on('disconnect', (reason) => {
    options.onConnectionChange(false);
    // The hub drops a socket whose role or teams changed, or whose login was revoked: connect again. The
    // handshake re-authenticates (a revoked login is refused there) and joins the rooms that apply now.
    if (reason === 'io server disconnect') socket.connect();
  });

  return {
    async setPresence(status) {
      await socket
        .timeout(5000)
        .emitWithAck('presence:set', { status })
        .catch(() => undefined);
    },
    async acceptOffer(offerId) {
      try {
        const result = (await socket.timeout(5000).emitWithAck('offer:accept', { offerId })) as {
          ok: boolean;
          error?: { message: string };
        };
        return result.ok ? { ok: true } : { ok: false, error: result.error };
      } catch {
        return { ok: false, error: { message: 'timeout' } };
      }
    },
    async declineOffer(offerId) {
      await socket
        .timeout(5000)
        .emitWithAck('offer:decline', { offerId })
        .catch(() => undefined);
    },
    close: () => socket.close(),
  };
}
