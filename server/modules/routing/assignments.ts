import type { CapacityChannel } from '../agents';
import type { ConversationDoc } from '../conversations';
import { AppError } from '../../lib/app-error';
import type { Dispatcher } from './dispatcher';
import type { Offers } from './offers';
import { type RoutingContext } from './routing-context';
import { capacityClassOf } from './routing-priority';

const HOLDING_STATUSES = ['new', 'open', 'pending', 'snoozed'];

/**
 * Assignments made or undone outside an offer: manual pick from the queue, transfers, a supervisor's
 * reassignment, unanswered work taken back. `syncHeldLoad` keeps agent load equal to what conversations
 * say, whichever path changed them: a conversation records who holds load for it (`routing.loadHeldBy`),
 * and moving that marker is a conditional update, so each unit of load moves exactly once.
 */
export function createAssignments(
  ctx: RoutingContext,
  deps: { dispatcher: () => Dispatcher; offers: () => Offers },
) {
  const { Conversation } = ctx;

  async function syncHeldLoad(conversationId: string): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const conversation = await Conversation.findById(conversationId).lean<ConversationDoc>();
      if (!conversation) return;
      const routing = (conversation.routing ?? {}) as Record<string, unknown>;
      const desired =
        conversation.assigneeId && HOLDING_STATUSES.includes(conversation.status)
          ? conversation.assigneeId
          : null;
      const held = (routing.loadHeldBy as string | null | undefined) ?? null;
      if (desired === held) return;
      const heldClass =
        (routing.loadClass as CapacityChannel | undefined) ?? capacityClassOf(conversation.primaryChannel);
      const desiredClass = capacityClassOf(conversation.primaryChannel);
      const moved = await Conversation.updateOne(
        { _id: conversation._id, 'routing.loadHeldBy': held },
        { $set: { 'routing.loadHeldBy': desired, 'routing.loadClass': desiredClass } },
      );
      if (moved.modifiedCount !== 1) continue; // changed meanwhile: read again
      if (held) {
        await ctx.ledger.release({ agentId: held, capacityClass: heldClass, conversationId });
        const agent = await ctx.agents.findAgent(held);
        for (const teamId of agent?.teamIds ?? []) deps.dispatcher().schedule(teamId);
      }
      if (desired) await ctx.ledger.hold({ agentId: desired, capacityClass: desiredClass, conversationId });
      return;
    }
  }

  /** An agent takes a queued conversation of one of their teams (manual strategy, or by choice). */
  async function pick(conversationId: string, agentId: string): Promise<ConversationDoc> {
    const conversation = await Conversation.findById(conversationId).lean<ConversationDoc>();
    if (!conversation || (conversation.routing as { state?: string }).state !== 'queued')
      throw new AppError('CONFLICT', { userMessage: 'This conversation is no longer waiting in the queue.' });
    const agent = await ctx.agents.getAgent(agentId);
    if (!conversation.teamId || !agent.teamIds.includes(conversation.teamId))
      throw new AppError('FORBIDDEN', { userMessage: 'This conversation waits in another team’s queue.' });
    const capacityClass = capacityClassOf(conversation.primaryChannel);
    await ensurePresence(agentId);
    const reserved = await ctx.ledger.reserve({
      agentId,
      capacityClass,
      capacity: agent.capacity[capacityClass],
      conversationId,
    });
    if (!reserved)
      throw new AppError('CONFLICT', { userMessage: 'You are at capacity on this channel (or not online).' });
    const now = ctx.clock.now();
    const assigned = await Conversation.findOneAndUpdate(
      { _id: conversation._id, 'routing.state': 'queued', assigneeId: null },
      {
        $set: {
          assigneeId: agentId,
          'routing.state': 'assigned',
          'routing.assignedAt': now,
          'routing.loadHeldBy': agentId,
          'routing.loadClass': capacityClass,
        },
      },
      { returnDocument: 'after' },
    ).lean<ConversationDoc>();
    if (!assigned) {
      await ctx.ledger.release({ agentId, capacityClass, conversationId });
      throw new AppError('CONFLICT', { userMessage: 'Someone else took this conversation.' });
    }
    await ctx.events.emit('conversation.assigned', {
      conversationId,
      assigneeId: agentId,
      previousAssigneeId: null,
      teamId: assigned.teamId,
    });
    await ctx.timers.unanswered(
      conversationId,
      now,
      new Date(now.getTime() + ctx.settings.unansweredTimeoutMs),
    );
    deps.dispatcher().publishQueue(conversation.teamId);
    return assigned;
  }

  async function ensurePresence(agentId: string): Promise<void> {
    const now = ctx.clock.now();
    await ctx.models.Presence.updateOne(
      { _id: agentId },
      { $setOnInsert: { status: 'offline', idleSince: now, updatedAt: now } },
      { upsert: true },
    );
  }

  /** Takes a conversation from its assignee back to the queue (excluding them from the next offer). */
  async function unassignToQueue(
    conversation: ConversationDoc,
    options: { teamId?: string; exclude?: string[] } = {},
  ) {
    const conversationId = String(conversation._id);
    const previous = conversation.assigneeId;
    const updated = await Conversation.findOneAndUpdate(
      { _id: conversation._id, assigneeId: previous ?? null },
      {
        $set: {
          assigneeId: null,
          'routing.state': 'unassigned',
          ...(options.teamId ? { teamId: options.teamId } : {}),
        },
      },
      { returnDocument: 'after' },
    ).lean<ConversationDoc>();
    if (!updated)
      throw new AppError('CONFLICT', { userMessage: 'The conversation changed meanwhile; try again.' });
    await deps.offers().revokeForConversation(conversationId);
    await syncHeldLoad(conversationId);
    // Queued (with its exclusions) before anyone hears of the change, so no listener re-offers it first.
    await deps.dispatcher().enqueue(conversationId, {
      ...(options.teamId ? { teamId: options.teamId } : {}),
      ...(options.exclude ? { exclude: options.exclude } : {}),
    });
    await ctx.events.emit('conversation.assigned', {
      conversationId,
      assigneeId: null,
      previousAssigneeId: previous ?? null,
      teamId: updated.teamId,
    });
  }

  /** Assigns directly to an agent; within capacity unless a supervisor forces it. */
  async function assignTo(conversation: ConversationDoc, agentId: string, options: { force: boolean }) {
    const conversationId = String(conversation._id);
    const agent = await ctx.agents.getAgent(agentId);
    if (!agent.active) throw new AppError('CONFLICT', { userMessage: 'That agent is deactivated.' });
    if (!options.force) {
      const presence = await ctx.models.Presence.findById(agentId).lean();
      const capacityClass = capacityClassOf(conversation.primaryChannel);
      if (!presence || presence.status === 'offline')
        throw new AppError('CONFLICT', { userMessage: 'That agent is offline.' });
      if (presence.load[capacityClass] >= agent.capacity[capacityClass])
        throw new AppError('CONFLICT', { userMessage: 'That agent is at capacity on this channel.' });
    }
    const now = ctx.clock.now();
    const updated = await Conversation.findOneAndUpdate(
      { _id: conversation._id, assigneeId: conversation.assigneeId ?? null },
      { $set: { assigneeId: agentId, 'routing.state': 'assigned', 'routing.assignedAt': now } },
      { returnDocument: 'after' },
    ).lean<ConversationDoc>();
    if (!updated)
      throw new AppError('CONFLICT', { userMessage: 'The conversation changed meanwhile; try again.' });
    await deps.offers().revokeForConversation(conversationId);
    await ctx.events.emit('conversation.assigned', {
      conversationId,
      assigneeId: agentId,
      previousAssigneeId: conversation.assigneeId ?? null,
      teamId: updated.teamId,
    });
    await syncHeldLoad(conversationId);
    await ctx.timers.unanswered(
      conversationId,
      now,
      new Date(now.getTime() + ctx.settings.unansweredTimeoutMs),
    );
    if (conversation.teamId) deps.dispatcher().publishQueue(conversation.teamId);
    return updated;
  }

  /** Work assigned but never answered is offered again (the timer fires `unansweredTimeoutMs` after). */
  async function requeueIfUnanswered(conversationId: string, assignedAt: Date): Promise<boolean> {
    const conversation = await Conversation.findById(conversationId).lean<ConversationDoc>();
    if (!conversation?.assigneeId || !HOLDING_STATUSES.includes(conversation.status)) return false;
    // Pending and snoozed conversations wait on the customer (or a date): nothing is unanswered.
    if (conversation.status === 'pending' || conversation.status === 'snoozed') return false;
    const routing = (conversation.routing ?? {}) as { assignedAt?: Date };
    if (!routing.assignedAt || routing.assignedAt.getTime() !== assignedAt.getTime()) return false;
    const lastOutboundAt = (conversation.metrics as { lastOutboundAt?: Date } | undefined)?.lastOutboundAt;
    if (lastOutboundAt && lastOutboundAt >= assignedAt) return false;
    await unassignToQueue(conversation, { exclude: [conversation.assigneeId] });
    return true;
  }

  return { syncHeldLoad, pick, unassignToQueue, assignTo, requeueIfUnanswered };
}

export type Assignments = ReturnType<typeof createAssignments>;
