import type { ConversationDoc } from '../conversations';
import { rooms } from '../../realtime/socket-events';
import type { Assignments } from './assignments';
import type { Dispatcher } from './dispatcher';
import type { Offers } from './offers';
import type { PresenceStatusValue } from './routing.models';
import { op, type RoutingContext } from './routing-context';

/**
 * Agent presence, shared across hub processes through MongoDB. Sockets are recorded per process
 * (`<processId>:<socketId>`); when an agent's last socket goes, a grace timer starts, and if no socket is
 * back when it fires the agent is offline: pending offers go back to the queue, and so does assigned work
 * nobody has answered yet.
 */
export function createPresence(
  ctx: RoutingContext,
  deps: {
    processId: string;
    dispatcher: () => Dispatcher;
    offers: () => Offers;
    assignments: () => Assignments;
  },
) {
  const { Presence } = ctx.models;

  async function announce(agentId: string): Promise<void> {
    const [presence, agent] = await Promise.all([
      Presence.findById(agentId).lean(),
      ctx.agents.findAgent(agentId),
    ]);
    if (!presence) return;
    await ctx.realtime.publish({
      event: 'agent:updated',
      payload: { agentId, status: presence.status, load: presence.load },
      rooms: [rooms.agent(agentId), rooms.supervisors(), ...(agent?.teamIds ?? []).map(rooms.team)],
    });
  }

  async function setStatus(agentId: string, status: PresenceStatusValue): Promise<void> {
    const now = ctx.clock.now();
    const before = await Presence.findOneAndUpdate(
      { _id: agentId },
      {
        $set: { status, updatedAt: now },
        $setOnInsert: { idleSince: now, load: { voice: 0, chat: 0, messaging: 0, email: 0 } },
      },
      { upsert: true, returnDocument: 'before' },
    ).lean();
    if (before?.status === status) return;
    if (status === 'online') {
      await Presence.updateOne({ _id: agentId }, { $set: { consecutiveExpiries: 0 } });
      const total = before ? Object.values(before.load).reduce((sum, n) => sum + n, 0) : 0;
      if (total === 0) await Presence.updateOne({ _id: agentId }, { $set: { idleSince: now } });
    } else {
      await deps.offers().withdrawFromAgent(agentId);
      if (status === 'offline') await requeueUnanswered(agentId);
    }
    await announce(agentId);
    if (status === 'online') {
      const agent = await ctx.agents.findAgent(agentId);
      for (const teamId of agent?.teamIds ?? []) deps.dispatcher().schedule(teamId);
    }
  }

  /** Assigned work with no agent reply since it was assigned goes back to the queue. */
  async function requeueUnanswered(agentId: string): Promise<void> {
    const assigned = await ctx.Conversation.find({
      assigneeId: agentId,
      status: op({ $in: ['new', 'open'] as ConversationDoc['status'][] }),
    })
      .limit(200)
      .lean<ConversationDoc[]>();
    for (const conversation of assigned) {
      const routing = (conversation.routing ?? {}) as { assignedAt?: Date };
      const lastOutboundAt = (conversation.metrics as { lastOutboundAt?: Date } | undefined)?.lastOutboundAt;
      if (routing.assignedAt && lastOutboundAt && lastOutboundAt >= routing.assignedAt) continue;
      await deps
        .assignments()
        .unassignToQueue(conversation, { exclude: [agentId] })
        .catch((error: unknown) =>
          ctx.logger.warn({ err: error, agentId }, 'requeue of unanswered work failed'),
        );
    }
  }

  async function socketConnected(agentId: string, socketId: string): Promise<void> {
    const now = ctx.clock.now();
    await Presence.updateOne(
      { _id: agentId },
      {
        $addToSet: { sockets: `${deps.processId}:${socketId}` },
        $set: { disconnectedAt: null, updatedAt: now },
        $setOnInsert: {
          status: 'offline',
          idleSince: now,
          load: { voice: 0, chat: 0, messaging: 0, email: 0 },
        },
      },
      { upsert: true },
    );
  }

  function socketDisconnected(agentId: string, socketId: string): Promise<void> {
    return removeSocketEntry(agentId, `${deps.processId}:${socketId}`);
  }

  async function removeSocketEntry(agentId: string, entry: string): Promise<void> {
    const now = ctx.clock.now();
    const after = await Presence.findOneAndUpdate(
      { _id: agentId },
      { $pull: { sockets: entry }, $set: { updatedAt: now } },
      { returnDocument: 'after' },
    ).lean();
    if (!after || after.sockets.length > 0 || after.status === 'offline') return;
    await Presence.updateOne({ _id: agentId, sockets: op({ $size: 0 }) }, { $set: { disconnectedAt: now } });
    await ctx.timers.presenceGrace(agentId, now, new Date(now.getTime() + ctx.settings.disconnectGraceMs));
  }

  /** The grace timer: still no socket since `disconnectedAt` → offline. */
  async function graceExpired(agentId: string, disconnectedAt: Date): Promise<boolean> {
    const presence = await Presence.findById(agentId).lean();
    if (!presence || presence.sockets.length > 0 || presence.status === 'offline') return false;
    if (presence.disconnectedAt?.getTime() !== disconnectedAt.getTime()) return false;
    await setStatus(agentId, 'offline');
    return true;
  }

  /** Drops socket entries of hub processes that stopped without saying so (their heartbeat is gone). */
  async function dropDeadProcessSockets(
    isProcessAlive: (processId: string) => Promise<boolean>,
  ): Promise<void> {
    const withSockets = await Presence.find({ 'sockets.0': op({ $exists: true }) })
      .select({ sockets: 1 })
      .limit(1000)
      .lean();
    const alive = new Map<string, boolean>();
    for (const presence of withSockets) {
      for (const entry of presence.sockets) {
        const processId = entry.split(':')[0] ?? '';
        if (!alive.has(processId)) alive.set(processId, await isProcessAlive(processId));
        if (!alive.get(processId)) await removeSocketEntry(presence._id, entry);
      }
    }
  }

  /** The stored status ('offline' for an agent never seen): what a reloaded client resumes with. */
  async function getStatus(agentId: string): Promise<PresenceStatusValue> {
    return (await Presence.findById(agentId).select({ status: 1 }).lean())?.status ?? 'offline';
  }

  return {
    setStatus,
    getStatus,
    socketConnected,
    socketDisconnected,
    graceExpired,
    dropDeadProcessSockets,
    announce,
  };
}

export type Presence = ReturnType<typeof createPresence>;
