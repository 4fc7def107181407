/**
 * Where a queued conversation stands, for the customer: its place in the team's queue in the dispatcher's
 * order (`routing.sortKey`) and an expected wait estimated from the team's recent queue → assignment
 * history (the routing fields the dispatcher, offers and picks write: `routing.queuedAt`,
 * `routing.assignedAt`). With too little recent history there is no estimate (null), never a made-up one.
 */
import type { Model } from 'mongoose';
import type { ConversationDoc } from '../conversations';
import { op } from './routing-context';

/** How far back the recent assignments reach, how many are read, and how many an estimate needs. */
export const WAIT_HISTORY = { windowMs: 60 * 60_000, maxSamples: 50, minSamples: 3 } as const;
/** At most this many queued conversations are ranked (the dispatcher looks at far fewer per pass). */
const MAX_RANKED = 1_000;

export interface RecentAssignment {
  queuedAt: Date;
  assignedAt: Date;
}

export interface ExpectedWait {
  seconds: number;
  /** How many recent assignments the estimate rests on (in the last `windowMinutes`). */
  samples: number;
  windowMinutes: number;
  /** The median queue → assignment wait of those assignments. */
  medianWaitSeconds: number;
}

export interface QueuePlace {
  conversationId: string;
  channel: string;
  position: number;
  depth: number;
  expectedWait: ExpectedWait | null;
}

/**
 * The expected wait at `position`: the team takes conversations off its queue at the rate it did in the
 * recent window (assignments / time since the oldest of them), so `position` places take
 * `position / rate`. Null under `minSamples` recent assignments: there is no basis for a number.
 */
export function expectedWait(input: {
  position: number;
  recent: readonly RecentAssignment[];
  now: Date;
}): ExpectedWait | null {
  const since = input.now.getTime() - WAIT_HISTORY.windowMs;
  const recent = input.recent.filter(
    (r) => r.assignedAt.getTime() >= since && r.assignedAt.getTime() <= input.now.getTime(),
  );
  if (recent.length < WAIT_HISTORY.minSamples || input.position < 1) return null;
  const oldest = Math.min(...recent.map((r) => r.assignedAt.getTime()));
  // At least a minute of span: three assignments in the same second are not a rate of thousands per hour.
  const spanMs = Math.max(60_000, input.now.getTime() - oldest);
  const perMs = recent.length / spanMs;
  const waits = recent
    .map((r) => Math.max(0, (r.assignedAt.getTime() - r.queuedAt.getTime()) / 1000))
    .sort((a, b) => a - b);
  const middle = waits.length >> 1;
  const median = waits.length % 2 ? waits[middle]! : (waits[middle - 1]! + waits[middle]!) / 2;
  return {
    seconds: Math.round(input.position / perMs / 1000),
    samples: recent.length,
    windowMinutes: WAIT_HISTORY.windowMs / 60_000,
    medianWaitSeconds: Math.round(median),
  };
}

export function createQueueWaits(deps: { Conversation: Model<ConversationDoc>; clock: { now(): Date } }) {
  const { Conversation } = deps;

  async function recentAssignments(teamId: string): Promise<RecentAssignment[]> {
    const since = new Date(deps.clock.now().getTime() - WAIT_HISTORY.windowMs);
    const docs = await Conversation.find({ teamId, 'routing.assignedAt': op({ $gte: since }) })
      .sort({ 'routing.assignedAt': -1 })
      .limit(WAIT_HISTORY.maxSamples)
      .select({ routing: 1 })
      .lean<ConversationDoc[]>();
    return docs.flatMap((doc) => {
      const routing = doc.routing as { queuedAt?: Date; assignedAt?: Date } | undefined;
      return routing?.queuedAt && routing.assignedAt
        ? [{ queuedAt: routing.queuedAt, assignedAt: routing.assignedAt }]
        : [];
    });
  }

  /** Every queued conversation of the team with its place and expected wait, in dispatch order. */
  async function team(teamId: string): Promise<QueuePlace[]> {
    const [waiting, recent] = await Promise.all([
      Conversation.find({ teamId, 'routing.state': 'queued' })
        .sort({ 'routing.sortKey': 1 })
        .limit(MAX_RANKED)
        .select({ _id: 1, primaryChannel: 1 })
        .lean<{ _id: unknown; primaryChannel: string }[]>(),
      recentAssignments(teamId),
    ]);
    const now = deps.clock.now();
    return waiting.map((doc, index) => ({
      conversationId: String(doc._id),
      channel: doc.primaryChannel,
      position: index + 1,
      depth: waiting.length,
      expectedWait: expectedWait({ position: index + 1, recent, now }),
    }));
  }

  /** The conversation's place in its team's queue; null when it is not queued. */
  async function place(conversationId: string): Promise<QueuePlace | null> {
    const doc = await Conversation.findById(conversationId)
      .select({ teamId: 1, routing: 1 })
      .lean<ConversationDoc>();
    const routing = doc?.routing as { state?: string } | undefined;
    if (!doc?.teamId || routing?.state !== 'queued') return null;
    const places = await team(doc.teamId);
    return places.find((entry) => entry.conversationId === conversationId) ?? null;
  }

  return { team, place, recentAssignments };
}
export type QueueWaits = ReturnType<typeof createQueueWaits>;
