import type { CapacityChannel } from '../agents';
import type { ConversationDoc } from '../conversations';
import { rooms } from '../../realtime/socket-events';
import type { Dispatcher } from './dispatcher';
import { op, type RoutingContext } from './routing-context';

export type OfferOutcome =
  { ok: true; conversationId: string } | { ok: false; code: 'OFFER_GONE' | 'CONFLICT'; message: string };

/**
 * What happens to an offer: accepted (the conversation is assigned, the reserved slot becomes the
 * assignment's), declined or expired (the slot is released, the conversation goes back to the queue for
 * the next agent), or revoked (the conversation was taken some other way). Each transition is a
 * conditional update of the offer from `pending`, so it happens once whichever process or timer tries.
 */
export function createOffers(ctx: RoutingContext, getDispatcher: () => Dispatcher) {
  const { Offer, Presence } = ctx.models;
  const { Conversation } = ctx;

  async function accept(offerId: string, agentId: string): Promise<OfferOutcome> {
    const now = ctx.clock.now();
    const offer = await Offer.findOneAndUpdate(
      { _id: offerId, agentId, status: 'pending', expiresAt: op({ $gt: now }) },
      { $set: { status: 'accepted', closedAt: now } },
      { returnDocument: 'after' },
    ).lean();
    if (!offer) return { ok: false, code: 'OFFER_GONE', message: 'This offer has expired or was withdrawn.' };
    const capacityClass = offer.capacityClass as CapacityChannel;
    const assigned = await Conversation.findOneAndUpdate(
      { _id: offer.conversationId, 'routing.state': 'offered', 'routing.offerId': offerId, assigneeId: null },
      {
        $set: {
          assigneeId: agentId,
          'routing.state': 'assigned',
          'routing.assignedAt': now,
          'routing.loadHeldBy': agentId,
          'routing.loadClass': capacityClass,
          'routing.declinedBy': [],
        },
      },
      { returnDocument: 'after' },
    ).lean<ConversationDoc>();
    if (!assigned) {
      await ctx.ledger.release({ agentId, capacityClass, conversationId: offer.conversationId });
      return { ok: false, code: 'CONFLICT', message: 'The conversation was taken meanwhile.' };
    }
    const team = offer.teamId ? await ctx.team(offer.teamId) : null;
    const members = offer.teamId ? await ctx.teamMembers(offer.teamId) : [];
    const capacity = members.find((m) => m.id === agentId)?.capacity[capacityClass] ?? 0;
    await ctx.ledger.logAssigned({ agentId, capacityClass, conversationId: offer.conversationId, capacity });
    await Presence.updateOne({ _id: agentId }, { $set: { consecutiveExpiries: 0 } });
    if (assigned.status === 'new') await openIfNew(offer.conversationId, assigned);
    await ctx.events.emit('conversation.assigned', {
      conversationId: offer.conversationId,
      assigneeId: agentId,
      previousAssigneeId: null,
      teamId: assigned.teamId,
    });
    await ctx.timers.unanswered(
      offer.conversationId,
      now,
      new Date(now.getTime() + ctx.settings.unansweredTimeoutMs),
    );
    if (team) getDispatcher().publishQueue(team.id);
    return { ok: true, conversationId: offer.conversationId };
  }

  async function openIfNew(conversationId: string, conversation: ConversationDoc): Promise<void> {
    const opened = await Conversation.updateOne(
      { _id: conversation._id, status: 'new' },
      { $set: { status: 'open' } },
    );
    if (opened.modifiedCount === 1)
      await ctx.events.emit('conversation.updated', {
        conversationId,
        changes: ['status'],
        status: 'open',
        previousStatus: 'new',
        teamId: conversation.teamId,
        assigneeId: conversation.assigneeId,
      });
  }

  /** Declined, expired or revoked: release the slot and, unless revoked, requeue for the next agent. */
  async function close(
    offerId: string,
    outcome: 'declined' | 'expired' | 'revoked',
    agentId?: string,
  ): Promise<boolean> {
    const now = ctx.clock.now();
    const offer = await Offer.findOneAndUpdate(
      { _id: offerId, status: 'pending', ...(agentId ? { agentId } : {}) },
      { $set: { status: outcome, closedAt: now } },
      { returnDocument: 'after' },
    ).lean();
    if (!offer) return false;
    await ctx.ledger.release({
      agentId: offer.agentId,
      capacityClass: offer.capacityClass as CapacityChannel,
      conversationId: offer.conversationId,
    });
    await Conversation.updateOne(
      { _id: offer.conversationId, 'routing.state': 'offered', 'routing.offerId': offerId },
      {
        $set: {
          'routing.state': 'queued',
          'routing.offerId': null,
          'routing.offeredTo': null,
          'routing.lastDeclinedAt': now,
        },
        $addToSet: { 'routing.declinedBy': offer.agentId },
      },
    );
    await ctx.realtime.publish({
      event: 'offer:revoked',
      payload: { offerId, reason: outcome === 'revoked' ? 'taken' : outcome },
      rooms: [rooms.agent(offer.agentId)],
    });
    if (outcome === 'expired') await noteExpiry(offer.agentId);
    if (offer.teamId) {
      getDispatcher().publishQueue(offer.teamId);
      getDispatcher().schedule(offer.teamId);
    }
    return true;
  }

  /** After repeated unanswered offers the agent is set away, as TaskRouter does. */
  async function noteExpiry(agentId: string): Promise<void> {
    const presence = await Presence.findOneAndUpdate(
      { _id: agentId },
      { $inc: { consecutiveExpiries: 1 } },
      { returnDocument: 'after' },
    ).lean();
    if (!presence || presence.consecutiveExpiries < ctx.settings.maxConsecutiveExpiries) return;
    const away = await Presence.findOneAndUpdate(
      { _id: agentId, status: 'online' },
      { $set: { status: 'away', consecutiveExpiries: 0, updatedAt: ctx.clock.now() } },
      { returnDocument: 'after' },
    ).lean();
    if (away) {
      const agent = await ctx.agents.findAgent(agentId);
      await ctx.realtime.publish({
        event: 'agent:updated',
        payload: { agentId, status: 'away', load: away.load },
        rooms: [rooms.agent(agentId), rooms.supervisors(), ...(agent?.teamIds ?? []).map(rooms.team)],
      });
    }
  }

  /** Expires every pending offer whose time is up (the timer's job, and the sweep's safety net). */
  async function expireOverdue(): Promise<number> {
    const overdue = await Offer.find({ status: 'pending', expiresAt: op({ $lte: ctx.clock.now() }) })
      .limit(500)
      .lean();
    let expired = 0;
    for (const offer of overdue) if (await close(offer._id, 'expired')) expired++;
    return expired;
  }

  /** Withdraws pending offers of a conversation (it was assigned by hand, transferred, closed). */
  async function revokeForConversation(conversationId: string): Promise<void> {
    const pending = await Offer.find({ conversationId, status: 'pending' }).lean();
    for (const offer of pending) await close(offer._id, 'revoked');
  }

  /** Withdraws an agent's pending offers and requeues them (the agent went away or offline). */
  async function withdrawFromAgent(agentId: string): Promise<void> {
    const pending = await Offer.find({ agentId, status: 'pending' }).lean();
    for (const offer of pending) await close(offer._id, 'declined');
  }

  return {
    accept,
    decline: (offerId: string, agentId: string) => close(offerId, 'declined', agentId),
    expire: (offerId: string) => close(offerId, 'expired'),
    expireOverdue,
    revokeForConversation,
    withdrawFromAgent,
  };
}

export type Offers = ReturnType<typeof createOffers>;
