/**
 * The one typed socket client of the app, typed from server/realtime/socket-events.ts. Persisted events
 * carry an `eventId`: the last one seen is remembered (localStorage) and every (re)connect asks the server
 * to replay what was missed (`sync`); repeats are dropped by id, so nothing is lost or shown twice. Live
 * signals (who views or types) have no id and are passed straight through.
 *
 * Consumers subscribe with `on(name, handler)`: the handler's payload type follows the event name, so no
 * component ever casts a payload.
 */
import { io, type Socket } from 'socket.io-client';
import {
  AGENT_SERVER_EVENTS,
  AGENT_SIGNAL_EVENTS,
  type AgentClientToServerEvents,
  type AgentServerToClientEvents,
  type PresenceStatus,
} from '../../../server/realtime/socket-events';
import { refresh } from './api-client';

type Events = AgentServerToClientEvents;
export type EventName = keyof Events;
export type EventPayload<K extends EventName> = Parameters<Events[K]>[0];
type Handler<K extends EventName> = (payload: EventPayload<K>) => void;

export interface AckError {
  code: string;
  message: string;
}

export interface SocketClient {
  on<K extends EventName>(name: K, handler: Handler<K>): () => void;
  onConnectionChange(listener: (connected: boolean) => void): () => void;
  readonly connected: boolean;
  getPresence(): Promise<PresenceStatus | null>;
  setPresence(status: PresenceStatus): Promise<void>;
  acceptOffer(offerId: string): Promise<{ ok: true } | { ok: false; error: AckError }>;
  declineOffer(offerId: string): Promise<void>;
  watch(conversationId: string | null): void;
  typing(conversationId: string): void;
  close(): void;
}

const ACK_TIMEOUT_MS = 5000;
const TIMEOUT: AckError = { code: 'TIMEOUT', message: 'The server did not answer in time.' };

export function createSocketClient(options: { token: () => string | null; agentId: string }): SocketClient {
  const storageKey = `omnihub.lastEventId.${options.agentId}`;
  let lastEventId: string | null = localStorage.getItem(storageKey);
  const seen = new Set<string>();
  const handlers = new Map<EventName, Set<(payload: never) => void>>();
  const connectionListeners = new Set<(connected: boolean) => void>();
  let watching: string | null = null;

  const socket: Socket<Events, AgentClientToServerEvents> = io('/agent', {
    auth: (cb) => cb({ token: options.token() }),
    transports: ['websocket'],
  });

  const isNew = (eventId: string): boolean => {
    if (seen.has(eventId)) return false;
    seen.add(eventId);
    if (seen.size > 5000) {
      const oldest = seen.values().next().value;
      if (oldest !== undefined) seen.delete(oldest);
    }
    if (lastEventId === null || eventId > lastEventId) {
      lastEventId = eventId;
      localStorage.setItem(storageKey, eventId);
    }
    return true;
  };

  function dispatch<K extends EventName>(name: K, payload: EventPayload<K>): void {
    const set = handlers.get(name) as Set<Handler<K>> | undefined;
    set?.forEach((handler) => handler(payload));
  }

  // socket.io's typed `on` cannot take a generic event name; each listener is built for its own name here,
  // so the payload type still follows the name.
  const listen = <K extends EventName>(name: K, listener: Handler<K>) =>
    (socket.on as (event: K, fn: Handler<K>) => void)(name, listener);

  for (const name of AGENT_SERVER_EVENTS) {
    listen(name, (payload: EventPayload<typeof name>) => {
      if (isNew(payload.eventId)) dispatch(name, payload);
    });
  }
  for (const name of AGENT_SIGNAL_EVENTS) listen(name, (payload) => dispatch(name, payload));

  const setConnected = (connected: boolean) => connectionListeners.forEach((l) => l(connected));
  socket.on('connect', () => {
    setConnected(true);
    socket.emit('sync', { lastEventId }, (result) => {
      // A first connection replays nothing and learns where the stream stands: later reconnects start there.
      if (result.ok && lastEventId === null) {
        lastEventId = result.lastEventId;
        localStorage.setItem(storageKey, result.lastEventId);
      }
    });
    if (watching) socket.emit('conversation:watch', { conversationId: watching });
  });
  // The hub drops a socket when its access token expires, and refuses a handshake with an expired one:
  // refresh the session once, then connect again with the new token.
  socket.on('connect_error', (error) => {
    if (error.message === 'UNAUTHENTICATED') void refresh().then((ok) => ok && socket.connect());
  });
  socket.on('disconnect', (reason) => {
    setConnected(false);
    // The hub drops a socket whose role or teams changed, or whose login was revoked: connect again; the
    // handshake re-authenticates and joins the rooms that apply now.
    if (reason === 'io server disconnect') socket.connect();
  });

  return {
    on(name, handler) {
      let set = handlers.get(name);
      if (!set) handlers.set(name, (set = new Set()));
      const entry = handler as (payload: never) => void;
      set.add(entry);
      return () => {
        set.delete(entry);
      };
    },
    onConnectionChange(listener) {
      connectionListeners.add(listener);
      // The socket may have connected before this subscriber mounted: tell it at once.
      if (socket.connected) queueMicrotask(() => connectionListeners.has(listener) && listener(true));
      return () => {
        connectionListeners.delete(listener);
      };
    },
    get connected() {
      return socket.connected;
    },
    getPresence() {
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(null), ACK_TIMEOUT_MS);
        socket.emit('presence:get', {}, (result) => {
          clearTimeout(timer);
          resolve(result.ok ? result.status : null);
        });
      });
    },
    setPresence(status) {
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, ACK_TIMEOUT_MS);
        socket.emit('presence:set', { status }, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    acceptOffer(offerId) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve({ ok: false, error: TIMEOUT }), ACK_TIMEOUT_MS);
        socket.emit('offer:accept', { offerId }, (result) => {
          clearTimeout(timer);
          resolve(result.ok ? { ok: true } : { ok: false, error: result.error });
        });
      });
    },
    declineOffer(offerId) {
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, ACK_TIMEOUT_MS);
        socket.emit('offer:decline', { offerId }, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    watch(conversationId) {
      watching = conversationId;
      if (socket.connected) socket.emit('conversation:watch', { conversationId });
    },
    typing(conversationId) {
      if (socket.connected && watching === conversationId) socket.emit('typing', { conversationId });
    },
    close: () => socket.close(),
  };
}
