import { randomUUID } from 'node:crypto';
import { effectiveCapacity, type CapacityChannel } from '../agents';
import { toConversationSummary, type ConversationDoc } from '../conversations';
import { rooms } from '../../realtime/socket-events';
import { rankCandidates, type CandidateAgent, type RoutingStrategy } from './agent-selection';
import { op, type RoutingContext } from './routing-context';
import { capacityClassOf, priorityPoints, queueSortKey } from './routing-priority';

const ACTIVE_STATUSES = ['new', 'open', 'pending', 'snoozed'];
/**
 * What a conversation needs of its agent, from its tags: `skill:<name>` (every one required) and
 * `lang:<tag>` (the agent must speak it). The IVR, automations and agents set these tags.
 */
export function requirementsFromTags(tags: readonly string[]): {
  'routing.requiredSkills': string[];
  'routing.language': string | null;
} {
  const skills = tags
    .filter((t) => t.startsWith('skill:'))
    .map((t) => t.slice('skill:'.length))
    .filter(Boolean);
  const language = tags.find((t) => t.startsWith('lang:'))?.slice('lang:'.length) || null;
  return { 'routing.requiredSkills': skills, 'routing.language': language };
}

/** How many queued conversations one dispatch pass looks at (per team). */
const DISPATCH_WINDOW = 50;

/**
 * The queue and the offers it makes. Dispatch runs in every hub process; two processes may pick the same
 * conversation or agent at once, and the conditional updates decide: the slot reservation (capacity) and
 * the conversation claim (`queued → offered`) each succeed for exactly one of them.
 */
export function createDispatcher(
  ctx: RoutingContext,
  hooks: { acceptOffer: (offerId: string, agentId: string) => Promise<unknown> },
) {
  const { Conversation } = ctx;
  const running = new Map<string, Promise<void>>();
  const dirty = new Set<string>();
  const queuePublishTimers = new Map<string, NodeJS.Timeout>();

  /** Puts an unassigned, active conversation in its team's queue (idempotent). */
  async function enqueue(
    conversationId: string,
    options: { teamId?: string | null; exclude?: string[] } = {},
  ): Promise<boolean> {
    const conversation = await Conversation.findById(conversationId).lean<ConversationDoc>();
    if (!conversation || conversation.assigneeId || !ACTIVE_STATUSES.includes(conversation.status))
      return false;
    const teamId = options.teamId ?? conversation.teamId ?? (await defaultTeamId());
    if (!teamId) {
      ctx.logger.warn({ conversationId }, 'no team to queue the conversation in');
      return false;
    }
    const now = ctx.clock.now();
    const sla = conversation.sla as { nextDueAt?: Date | null } | undefined;
    const points = priorityPoints({
      priority: conversation.priority,
      category: conversation.category,
      tier: conversation.contactTier ?? null,
      slaDueAt: sla?.nextDueAt ?? null,
      now,
    });
    const updated = await Conversation.findOneAndUpdate(
      { _id: conversation._id, assigneeId: null, 'routing.state': op({ $in: ['unassigned', null] }) },
      {
        $set: {
          teamId,
          'routing.state': 'queued',
          'routing.queuedAt': now,
          'routing.points': points,
          'routing.sortKey': queueSortKey(now, points, ctx.settings.agingMsPerPoint),
          'routing.capacityClass': capacityClassOf(conversation.primaryChannel),
          ...requirementsFromTags(conversation.tags ?? []),
          'routing.declinedBy': options.exclude ?? [],
          ...(options.exclude?.length ? { 'routing.lastDeclinedAt': now } : {}),
        },
      },
      { returnDocument: 'after' },
    ).lean<ConversationDoc>();
    if (!updated) return false;
    if (conversation.teamId !== teamId)
      await ctx.events.emit('conversation.updated', {
        conversationId,
        changes: ['teamId'],
        teamId,
        assigneeId: null,
      });
    publishQueue(teamId);
    schedule(teamId);
    return true;
  }

  /**
   * A queued conversation whose priority, category or tags changed keeps its place in time (queuedAt) but
   * gets new points and requirements, so the queue order and eligibility follow the change.
   */
  async function refresh(conversationId: string): Promise<void> {
    const conversation = await Conversation.findById(conversationId).lean<ConversationDoc>();
    const routing = (conversation?.routing ?? {}) as { state?: string; queuedAt?: Date };
    if (!conversation || routing.state !== 'queued' || !routing.queuedAt) return;
    const sla = conversation.sla as { nextDueAt?: Date | null } | undefined;
    const points = priorityPoints({
      priority: conversation.priority,
      category: conversation.category,
      tier: conversation.contactTier ?? null,
      slaDueAt: sla?.nextDueAt ?? null,
      now: ctx.clock.now(),
    });
    await Conversation.updateOne(
      { _id: conversation._id, 'routing.state': 'queued' },
      {
        $set: {
          'routing.points': points,
          'routing.sortKey': queueSortKey(routing.queuedAt, points, ctx.settings.agingMsPerPoint),
          ...requirementsFromTags(conversation.tags ?? []),
        },
      },
    );
    if (conversation.teamId) schedule(conversation.teamId);
  }

  let defaultTeam: { at: number; id: Promise<string | null> } | null = null;
  function defaultTeamId(): Promise<string | null> {
    if (!defaultTeam || Date.now() - defaultTeam.at > 10_000) {
      defaultTeam = {
        at: Date.now(),
        id: ctx.agents.listTeams({ limit: 1 }).then((page) => page.items[0]?.id ?? null),
      };
    }
    return defaultTeam.id;
  }

  /** Runs a dispatch pass for the team now, or right after the one in progress (coalesced). */
  function schedule(teamId: string): void {
    if (running.has(teamId)) {
      dirty.add(teamId);
      return;
    }
    const pass = (async () => {
      try {
        do {
          dirty.delete(teamId);
          await dispatchTeam(teamId);
        } while (dirty.has(teamId));
      } catch (error) {
        ctx.logger.error({ err: error, teamId }, 'dispatch failed');
      } finally {
        running.delete(teamId);
      }
    })();
    running.set(teamId, pass);
  }

  async function candidatesOf(
    teamId: string,
  ): Promise<{ strategy: RoutingStrategy; agents: CandidateAgent[] }> {
    const [team, members] = await Promise.all([ctx.team(teamId), ctx.teamMembers(teamId)]);
    const strategy = team?.routingStrategy ?? 'longest-idle';
    if (strategy === 'manual' || members.length === 0) return { strategy, agents: [] };
    const presences = await ctx.models.Presence.find({
      _id: op({ $in: members.map((m) => m.id) }),
      status: 'online',
    }).lean();
    const byId = new Map(members.map((m) => [m.id, m]));
    const agents = presences.flatMap((p) => {
      const member = byId.get(p._id);
      if (!member) return [];
      return [
        {
          agentId: p._id,
          skills: member.skills,
          languages: member.languages,
          capacity: effectiveCapacity({ capacity: member.capacityOverrides }, team),
          load: { ...p.load },
          idleSince: p.idleSince,
          lastOfferedAt: p.lastOfferedAt,
        },
      ];
    });
    return { strategy, agents };
  }

  async function dispatchTeam(teamId: string): Promise<void> {
    const { strategy, agents } = await candidatesOf(teamId);
    if (agents.length === 0) return;
    const queued = await Conversation.find({ teamId, 'routing.state': 'queued' })
      .sort({ 'routing.sortKey': 1 })
      .limit(DISPATCH_WINDOW)
      .lean<ConversationDoc[]>();
    for (const conversation of queued) {
      if (!agents.some((a) => Object.entries(a.load).some(([c, n]) => n < a.capacity[c as CapacityChannel])))
        return;
      await offerToBest(conversation, strategy, agents);
    }
  }

  async function offerToBest(
    conversation: ConversationDoc,
    strategy: RoutingStrategy,
    agents: CandidateAgent[],
  ) {
    const routing = conversation.routing as Record<string, unknown>;
    const capacityClass =
      (routing.capacityClass as CapacityChannel | undefined) ?? capacityClassOf(conversation.primaryChannel);
    let excluded = (routing.declinedBy as string[] | undefined) ?? [];
    const requirement = {
      capacityClass,
      skills: (routing.requiredSkills as string[] | undefined) ?? [],
      language: (routing.language as string | undefined) ?? null,
      excludedAgentIds: excluded,
    };
    let ranked = rankCandidates(strategy, agents, requirement);
    if (ranked.length === 0 && excluded.length > 0) {
      // Everyone eligible said no: after a pause, offer it round again rather than leave it stranded.
      const lastDeclinedAt = routing.lastDeclinedAt as Date | undefined;
      if (
        lastDeclinedAt &&
        ctx.clock.now().getTime() - lastDeclinedAt.getTime() < ctx.settings.offerTimeoutMs
      )
        return;
      excluded = [];
      ranked = rankCandidates(strategy, agents, { ...requirement, excludedAgentIds: [] });
    }
    for (const agent of ranked) {
      const capacity = agent.capacity[capacityClass];
      const conversationId = String(conversation._id);
      if (!(await ctx.ledger.reserve({ agentId: agent.agentId, capacityClass, capacity, conversationId }))) {
        agent.load[capacityClass] = capacity; // someone else filled it: skip this agent for the rest of the pass
        continue;
      }
      const offerId = randomUUID();
      const now = ctx.clock.now();
      const timeout =
        capacityClass === 'voice' ? ctx.settings.voiceOfferTimeoutMs : ctx.settings.offerTimeoutMs;
      const expiresAt = new Date(now.getTime() + timeout);
      const claimed = await Conversation.findOneAndUpdate(
        { _id: conversation._id, 'routing.state': 'queued', assigneeId: null },
        {
          $set: {
            'routing.state': 'offered',
            'routing.offerId': offerId,
            'routing.offeredTo': agent.agentId,
            'routing.offerExpiresAt': expiresAt,
            'routing.declinedBy': excluded,
          },
        },
        { returnDocument: 'after' },
      ).lean<ConversationDoc>();
      if (!claimed) {
        await ctx.ledger.release({ agentId: agent.agentId, capacityClass, conversationId });
        return; // another process offered or assigned it
      }
      agent.load[capacityClass] = (agent.load[capacityClass] ?? 0) + 1;
      agent.lastOfferedAt = now;
      await ctx.models.Offer.create({
        _id: offerId,
        conversationId,
        agentId: agent.agentId,
        teamId: conversation.teamId,
        capacityClass,
        status: 'pending',
        createdAt: now,
        expiresAt,
      });
      await ctx.models.Presence.updateOne({ _id: agent.agentId }, { $set: { lastOfferedAt: now } });
      await ctx.timers.offerExpiry(offerId, expiresAt);
      await ctx.realtime.publish({
        event: 'offer:new',
        payload: {
          offerId,
          conversation: toConversationSummary(claimed),
          expiresAt: expiresAt.toISOString(),
        },
        rooms: [rooms.agent(agent.agentId)],
      });
      if (conversation.teamId) publishQueue(conversation.teamId);
      if (ctx.settings.autoAccept) await hooks.acceptOffer(offerId, agent.agentId);
      return;
    }
  }

  /** Queue depth and longest wait for a team, to the team and the supervisors; at most once a second. */
  function publishQueue(teamId: string): void {
    if (queuePublishTimers.has(teamId)) return;
    const timer = setTimeout(() => {
      queuePublishTimers.delete(teamId);
      void queueStats(teamId)
        .then((stats) =>
          ctx.realtime.publish({
            event: 'queue:updated',
            payload: { teamId, ...stats },
            rooms: [rooms.team(teamId), rooms.supervisors()],
          }),
        )
        .catch((error: unknown) => ctx.logger.warn({ err: error, teamId }, 'queue publish failed'));
    }, 250);
    timer.unref();
    queuePublishTimers.set(teamId, timer);
  }

  async function queueStats(teamId: string): Promise<{ depth: number; longestWaitSeconds: number }> {
    const [depth, oldest] = await Promise.all([
      Conversation.countDocuments({ teamId, 'routing.state': op({ $in: ['queued', 'offered'] }) }),
      Conversation.findOne({ teamId, 'routing.state': op({ $in: ['queued', 'offered'] }) })
        .sort({ 'routing.queuedAt': 1 })
        .select({ routing: 1 })
        .lean<ConversationDoc>(),
    ]);
    const queuedAt = (oldest?.routing as { queuedAt?: Date } | undefined)?.queuedAt;
    const longestWaitSeconds = queuedAt
      ? Math.max(0, Math.round((ctx.clock.now().getTime() - queuedAt.getTime()) / 1000))
      : 0;
    return { depth, longestWaitSeconds };
  }

  /** Dispatches every team that has queued work (the periodic safety net). */
  async function dispatchAll(): Promise<void> {
    const teamIds = (await Conversation.distinct('teamId', { 'routing.state': 'queued' })) as (
      string | null
    )[];
    for (const teamId of teamIds) if (teamId) schedule(teamId);
    await Promise.all([...running.values()]);
  }

  return {
    enqueue,
    refresh,
    schedule,
    dispatchAll,
    queueStats,
    publishQueue,
    /** Resolves when every dispatch pass in progress has finished (tests, shutdown). */
    idle: () => Promise.all([...running.values()]).then(() => undefined),
    close: () => queuePublishTimers.forEach((timer) => clearTimeout(timer)),
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
