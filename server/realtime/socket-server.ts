import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import { Server, type Namespace, type Socket } from 'socket.io';
import type { Logger } from '../lib/logger';
import type { Metrics } from '../lib/metrics';
import type { AgentClientToServerEvents, AgentServerToClientEvents } from './socket-events';

/** Who is on the other end of an authenticated socket. */
export interface SocketPrincipal {
  agentId: string;
  role: 'agent' | 'supervisor' | 'admin';
  teamIds: string[];
  /** The login the handshake token belongs to. */
  sessionId?: string;
  /** When the handshake token expires (hub clock): the socket is disconnected then. */
  expiresAt?: Date;
}

export interface AgentSocketData {
  principal: SocketPrincipal;
}

export type AgentNamespace = Namespace<
  AgentClientToServerEvents,
  AgentServerToClientEvents,
  object,
  AgentSocketData
>;
export type AgentSocket = Socket<
  AgentClientToServerEvents,
  AgentServerToClientEvents,
  object,
  AgentSocketData
>;

/** Resolves a handshake token to a principal, or null when the token is missing, invalid or expired. */
export type SocketAuthenticator = (token: string) => Promise<SocketPrincipal | null>;

export interface SocketServerDeps {
  httpServer: HttpServer;
  logger: Logger;
  metrics: Metrics;
  authenticate: SocketAuthenticator;
  /** When given, events reach clients on every hub process through Redis streams. */
  redis?: Redis;
  /** "Now" in ms on the hub clock (token expiry is on it); default wall time. */
  now?: () => number;
  corsOrigin?: string | string[];
}

/**
 * The Socket.IO server on the hub's HTTP server. `/agent` admits only sockets whose handshake `auth.token`
 * authenticates; `/customer` is the web chat widget's namespace (its channel authenticates visitors itself).
 */
export function createSocketServer(deps: SocketServerDeps) {
  // Typed with the agent contract; the widget's /customer namespace gets its own types from its channel.
  const io = new Server<AgentClientToServerEvents, AgentServerToClientEvents, object, AgentSocketData>(
    deps.httpServer,
    {
      serveClient: false,
      maxHttpBufferSize: 1_000_000,
      cors: deps.corsOrigin ? { origin: deps.corsOrigin } : undefined,
      ...(deps.redis ? { adapter: createAdapter(deps.redis) } : {}),
    },
  );

  const agent: AgentNamespace = io.of('/agent');
  agent.use((socket, next) => {
    const token: unknown = (socket.handshake.auth as Record<string, unknown> | undefined)?.token;
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) {
      next(Object.assign(new Error('UNAUTHENTICATED'), { data: { code: 'UNAUTHENTICATED' } }));
      return;
    }
    deps
      .authenticate(token)
      .then((principal) => {
        if (!principal) {
          next(Object.assign(new Error('UNAUTHENTICATED'), { data: { code: 'UNAUTHENTICATED' } }));
          return;
        }
        socket.data.principal = principal;
        next();
      })
      .catch((error: unknown) => {
        deps.logger.error({ err: error }, 'socket authentication failed');
        next(Object.assign(new Error('INTERNAL'), { data: { code: 'INTERNAL' } }));
      });
  });
  agent.on('connection', (socket) => expireWithToken(socket, deps.now ?? Date.now));
  countConnections(agent, deps.metrics);

  const customer = io.of('/customer');
  countConnections(customer, deps.metrics);

  return { io, agent, customer };
}

export type SocketServer = ReturnType<typeof createSocketServer>;

/** setTimeout's ceiling (~24.8 days); a later expiry is re-checked then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A socket lives no longer than the access token it was opened with: at expiry it is disconnected (no more
 * live events, no more `sync`), and the client connects again with a refreshed token. The remaining time
 * is re-read from the hub clock whenever the timer fires, so a clock that tests hold still keeps the token
 * valid, exactly as it does for HTTP requests.
 */
function expireWithToken(socket: AgentSocket, now: () => number): void {
  const expiresAt = socket.data.principal.expiresAt?.getTime();
  if (expiresAt === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    const left = expiresAt - now();
    if (left <= 0) {
      socket.disconnect(true);
      return;
    }
    timer = setTimeout(check, Math.min(left, MAX_TIMER_MS));
    timer.unref();
  };
  check();
  socket.once('disconnect', () => clearTimeout(timer));
}

const KNOWN_CLIENT_EVENTS = new Set([
  'presence:set',
  'offer:accept',
  'offer:decline',
  'sync',
  'typing',
  'message',
]);

function countConnections(namespace: Namespace, metrics: Metrics): void {
  namespace.on('connection', (socket) => {
    metrics.socketConnections.inc({ namespace: namespace.name });
    // Event names come from clients: only known ones become label values (bounded cardinality).
    socket.onAny((event: string) =>
      metrics.socketEvents.inc({
        namespace: namespace.name,
        event: KNOWN_CLIENT_EVENTS.has(event) ? event : 'other',
      }),
    );
    socket.on('disconnect', () => metrics.socketConnections.dec({ namespace: namespace.name }));
  });
}
