/**
 * Live routing (DESIGN §5 "Routing", anchored on TaskRouter's reservation model): a real queue per team
 * with priority and aging, offers with expiry to eligible agents by the team's strategy, presence with a
 * disconnect grace period, capacity per channel enforced by atomic reservations, transfers and manual
 * pick. Every decision is a conditional update in MongoDB, so any number of hub processes can route at
 * once without assigning a conversation twice or an agent over capacity.
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { Connection, Model } from 'mongoose';
import type { Config } from '../../config';
import type { DomainEvents } from '../../domain-events';
import type { HttpModule } from '../../http/app';
import type { QueueFactory } from '../../infra/queues';
import type { Clock } from '../../lib/clock';
import type { EventBus } from '../../lib/event-bus';
import type { Logger } from '../../lib/logger';
import type { AgentNamespace } from '../../realtime/socket-server';
import type { AgentsService } from '../agents';
import type { ConversationDoc } from '../conversations';
import type { RealtimeService } from '../realtime';
import { createAssignments } from './assignments';
import { createDispatcher } from './dispatcher';
import { createLoadLedger } from './load-ledger';
import { createOffers } from './offers';
import { createPresence } from './presence';
import { cached, type RoutingContext } from './routing-context';
import { createRoutingTimers, registerRoutingWorkers } from './routing.jobs';
import { defineRoutingModels } from './routing.models';
import { createRoutingRouter } from './routing.routes';
import { attachRoutingSocketHandlers } from './routing.socket';

export { capacityClassOf, priorityPoints, queueSortKey } from './routing-priority';
export {
  rankCandidates,
  isEligible,
  ROUTING_STRATEGIES,
  type CandidateAgent,
  type RoutingStrategy,
} from './agent-selection';

export interface RoutingModuleDeps {
  connection: Connection;
  config: Config;
  Conversation: Model<ConversationDoc>;
  agents: AgentsService;
  /** Only `publish` is used; it may be bound late (the socket server is built after the HTTP app). */
  realtime: Pick<RealtimeService, 'publish'>;
  events: EventBus<DomainEvents>;
  queues: QueueFactory;
  redis: Redis;
  clock: Clock;
  logger: Logger;
  requireAuth: RequestHandler;
  requireSupervisor: RequestHandler;
  /** Adds an internal note (a transfer's note) through the timeline. */
  addNote: (input: { conversationId: string; authorId: string; text: string }) => Promise<unknown>;
  runWorkers?: boolean;
  /** How often the safety sweep runs (expire overdue offers, dispatch queued work); 0 turns it off. */
  sweepIntervalMs?: number;
}

export function createRoutingModule(deps: RoutingModuleDeps) {
  const { config } = deps;
  const logger = deps.logger.child({ module: 'routing' });
  const processId = randomUUID().slice(0, 8);
  const models = defineRoutingModels(deps.connection);
  const ctx: RoutingContext = {
    models,
    Conversation: deps.Conversation,
    agents: deps.agents,
    realtime: deps.realtime,
    events: deps.events,
    ledger: createLoadLedger({ models, clock: deps.clock }),
    clock: deps.clock,
    logger,
    settings: {
      offerTimeoutMs: config.ROUTING_OFFER_TIMEOUT_SECONDS * 1000,
      voiceOfferTimeoutMs: config.ROUTING_VOICE_OFFER_TIMEOUT_SECONDS * 1000,
      disconnectGraceMs: config.ROUTING_DISCONNECT_GRACE_SECONDS * 1000,
      maxConsecutiveExpiries: config.ROUTING_MAX_CONSECUTIVE_EXPIRIES,
      unansweredTimeoutMs: config.ROUTING_UNANSWERED_TIMEOUT_SECONDS * 1000,
      agingMsPerPoint: config.ROUTING_AGING_SECONDS_PER_POINT * 1000,
      autoAccept: config.ROUTING_AUTO_ACCEPT,
    },
    timers: createRoutingTimers(deps.queues),
    teamMembers: cached(2_000, (teamId) => deps.agents.listTeamMembers(teamId)),
    team: cached(2_000, (teamId) => deps.agents.findTeam(teamId)),
  };

  const offers = createOffers(ctx, () => dispatcher);
  const dispatcher = createDispatcher(ctx, {
    acceptOffer: (offerId, agentId) => offers.accept(offerId, agentId),
  });
  const assignments = createAssignments(ctx, { dispatcher: () => dispatcher, offers: () => offers });
  const presence = createPresence(ctx, {
    processId,
    dispatcher: () => dispatcher,
    offers: () => offers,
    assignments: () => assignments,
  });

  registerListeners();
  if (deps.runWorkers !== false)
    registerRoutingWorkers(deps.queues, {
      expireOffer: (offerId) => offers.expire(offerId),
      graceExpired: (agentId, at) => presence.graceExpired(agentId, at),
      requeueIfUnanswered: (conversationId, at) => assignments.requeueIfUnanswered(conversationId, at),
    });

  function registerListeners(): void {
    deps.events.on('message.received', async ({ conversationId, assigneeId }) => {
      if (!assigneeId) await dispatcher.enqueue(conversationId);
    });
    deps.events.on('conversation.assigned', async ({ conversationId, assigneeId }) => {
      if (assigneeId) await offers.revokeForConversation(conversationId);
      await assignments.syncHeldLoad(conversationId);
      if (!assigneeId) await dispatcher.enqueue(conversationId);
    });
    deps.events.on('conversation.updated', async ({ conversationId, status, teamId, changes }) => {
      if (changes.some((change) => ['priority', 'category', 'tags'].includes(change)))
        await dispatcher.refresh(conversationId);
      if (!status) return;
      await assignments.syncHeldLoad(conversationId);
      if (status === 'resolved' || status === 'closed') {
        await offers.revokeForConversation(conversationId);
        await deps.Conversation.updateOne(
          { _id: conversationId, 'routing.state': 'queued' },
          { $set: { 'routing.state': 'unassigned' } },
        );
        if (teamId) dispatcher.publishQueue(teamId);
      } else {
        await dispatcher.enqueue(conversationId);
      }
    });
  }

  const heartbeatKey = (id: string) => `${config.QUEUE_PREFIX}:routing:process:${id}`;
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweeps = 0;
  let sweeping: Promise<void> | null = null;

  async function sweep(): Promise<void> {
    await deps.redis.set(heartbeatKey(processId), '1', 'EX', 30);
    await offers.expireOverdue();
    await dispatcher.dispatchAll();
    if (sweeps++ % 10 === 0)
      await presence.dropDeadProcessSockets(async (id) => (await deps.redis.exists(heartbeatKey(id))) === 1);
  }

  const httpModules: HttpModule[] = [
    {
      path: '/api/routing',
      router: createRoutingRouter({
        ctx,
        agents: deps.agents,
        dispatcher,
        assignments,
        requireAuth: deps.requireAuth,
        requireSupervisor: deps.requireSupervisor,
        addNote: deps.addNote,
      }),
    },
  ];

  return {
    httpModules,
    dispatcher,
    offers,
    presence,
    assignments,
    models,
    /** Handles presence and offer events of the /agent namespace. */
    attachSockets(agentNamespace: AgentNamespace): void {
      attachRoutingSocketHandlers({ agent: agentNamespace, presence, offers, logger });
    },
    /** Starts the periodic safety sweep (expired offers, missed dispatches, sockets of dead processes). */
    start(): void {
      const interval = deps.sweepIntervalMs ?? 2_000;
      if (interval <= 0 || sweepTimer) return;
      sweepTimer = setInterval(() => {
        if (sweeping) return;
        sweeping = sweep()
          .catch((error: unknown) => logger.warn({ err: error }, 'routing sweep failed'))
          .finally(() => {
            sweeping = null;
          });
      }, interval);
      sweepTimer.unref();
    },
    /** Runs one sweep now (tests). */
    sweep,
    async close(): Promise<void> {
      if (sweepTimer) clearInterval(sweepTimer);
      sweepTimer = undefined;
      await sweeping;
      dispatcher.close();
      await dispatcher.idle();
      await deps.redis.del(heartbeatKey(processId)).catch(() => undefined);
    },
  };
}

export type RoutingModule = ReturnType<typeof createRoutingModule>;
