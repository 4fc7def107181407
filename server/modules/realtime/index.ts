/**
 * Realtime: every server → client event is persisted in `events` with a global, monotonic id, then emitted
 * to rooms of the /agent namespace; a reconnecting client sends `sync {lastEventId}` and gets what it missed.
 *
 * Delivery notes for clients (agent-ui):
 * - Keep the highest `eventId` seen, and a small set of recent ids: an event published while a `sync` is
 *   being answered can arrive both live and in the replay; drop the second copy by id.
 * - Each process takes ids in blocks from the shared counter, aligned to the clock (a block starts at or
 *   above now in ms × 1000 and is dropped after 100 ms), so two hub processes emit ids at most ~100 ms out of
 *   order. Within one process ids follow publish order and emits follow id order (writes run in parallel,
 *   batched per tick; an event is emitted only once persisted and after every lower id of the process).
 * - `sync` answers `{ok, replayed, truncated, lastEventId}`; when `truncated`, call `sync` again from
 *   `lastEventId` or reload state over HTTP.
 */
import type { DomainEvents } from '../../domain-events';
import type { Clock } from '../../lib/clock';
import type { EventBus } from '../../lib/event-bus';
import type { Logger } from '../../lib/logger';
import { rooms } from '../../realtime/socket-events';
import type { AgentNamespace } from '../../realtime/socket-server';
import type { Connection } from 'mongoose';
import { registerRealtimeListeners, type RealtimeLookups } from './realtime.listeners';
import { createRealtimeService, type RealtimeService } from './realtime.service';
import { attachRealtimeSocketHandlers } from './realtime.socket';
import { attachConversationWatchHandlers } from './conversation-watch.socket';

export type { RealtimeLookups } from './realtime.listeners';
export { createConversationLookups } from './conversation-lookups';
export type { AgentEventName, AgentEventPayload, PublishInput, RealtimeService } from './realtime.service';
export { conversationRooms, principalRooms, type ConversationAudience } from './realtime-rooms';
export { formatEventId } from './event-id';

/** Agent changes that move a socket between rooms. */
const ACCESS_CHANGES = new Set(['role', 'teamIds']);

export interface RealtimeModuleDeps {
  connection: Connection;
  agent: AgentNamespace;
  events: EventBus<DomainEvents>;
  clock: Clock;
  logger: Logger;
  /** Until the conversations module is wired in, domain events cannot be turned into pushes. */
  lookups?: RealtimeLookups;
  syncLimit?: number;
}

/** Builds realtime: the publish service, the /agent connection and sync handlers, and the domain listeners. */
export function createRealtimeModule(deps: RealtimeModuleDeps): RealtimeService {
  const logger = deps.logger.child({ module: 'realtime' });
  const realtime = createRealtimeService({ connection: deps.connection, agent: deps.agent });
  attachRealtimeSocketHandlers({
    agent: deps.agent,
    realtime,
    logger,
    syncLimit: deps.syncLimit,
    now: () => deps.clock.now().getTime(),
    ...(deps.lookups?.findConversationAccess
      ? { findConversationAccess: deps.lookups.findConversationAccess.bind(deps.lookups) }
      : {}),
  });
  if (deps.lookups) {
    registerRealtimeListeners({ events: deps.events, realtime, lookups: deps.lookups, logger });
    attachConversationWatchHandlers({ agent: deps.agent, lookups: deps.lookups, logger });
  }
  // A revoked login loses its live sockets at once, on every hub process (the adapter relays it).
  deps.events.on('auth.revoked', ({ agentId, sessionId }) => {
    deps.agent.in(sessionId ? rooms.session(sessionId) : rooms.agent(agentId)).disconnectSockets(true);
  });
  // Rooms follow role and teams, fixed at the handshake: when they change, the agent's sockets are dropped
  // and the client connects again (agent-ui does), so the new handshake puts it in the right rooms.
  deps.events.on('agent.updated', ({ agentId, changes }) => {
    if (changes.some((change) => ACCESS_CHANGES.has(change)))
      deps.agent.in(rooms.agent(agentId)).disconnectSockets(true);
  });
  return realtime;
}
