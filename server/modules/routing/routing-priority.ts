/**
 * Queue order, pure. A conversation waits with a priority in points (priority, complaint, customer tier,
 * SLA due soon) and ages: one point per `agingMsPerPoint` of waiting. Because every waiting conversation
 * ages at the same rate, the effective order is the ascending order of one number fixed at enqueue time,
 * `sortKey = queuedAt - points × agingMsPerPoint`, which an index can serve: an urgent complaint jumps
 * ahead by its points' worth of minutes, and nothing starves (whatever its points, a conversation is
 * eventually older than everything enqueued after it by more than any priority difference).
 */
import type { CapacityChannel } from '../agents';

/** Which capacity bucket a channel's work counts against (DESIGN §5 routing). */
export function capacityClassOf(channel: string): CapacityChannel {
  switch (channel) {
    case 'voice':
      return 'voice';
    case 'webchat':
      return 'chat';
    case 'email':
      return 'email';
    default:
      return 'messaging';
  }
}

const PRIORITY_POINTS: Record<string, number> = { urgent: 30, high: 20, normal: 10, low: 0 };
const TIER_POINTS: Record<string, number> = { VIP: 20, A: 10, B: 5, C: 0 };
export const COMPLAINT_POINTS = 15;
/** SLA pressure: up to this many points as the earliest due time approaches (within an hour). */
export const SLA_POINTS_MAX = 15;

export interface PriorityInput {
  priority: string;
  category: string;
  tier?: string | null;
  /** Earliest pending SLA due time, if any. */
  slaDueAt?: Date | null;
  now: Date;
}

export function priorityPoints(input: PriorityInput): number {
  let points = PRIORITY_POINTS[input.priority] ?? PRIORITY_POINTS.normal!;
  if (input.category === 'complaint') points += COMPLAINT_POINTS;
  points += TIER_POINTS[input.tier ?? ''] ?? 0;
  if (input.slaDueAt) {
    const minutesLeft = (input.slaDueAt.getTime() - input.now.getTime()) / 60_000;
    // Linear from 0 points an hour before the due time to the maximum at (or past) it.
    points += Math.round(SLA_POINTS_MAX * Math.min(1, Math.max(0, 1 - minutesLeft / 60)));
  }
  return points;
}

export function queueSortKey(queuedAt: Date, points: number, agingMsPerPoint: number): number {
  return queuedAt.getTime() - points * agingMsPerPoint;
}
