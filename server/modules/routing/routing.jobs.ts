import { z } from 'zod';
import type { QueueFactory } from '../../infra/queues';
import { parseInput } from '../../lib/validate';
import type { RoutingTimers } from './routing-context';

export const ROUTING_QUEUE = 'routing';

const JobSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('offer-expiry'), offerId: z.string().min(1) }),
  z.object({
    kind: z.literal('presence-grace'),
    agentId: z.string().min(1),
    disconnectedAt: z.iso.datetime(),
  }),
  z.object({
    kind: z.literal('unanswered'),
    conversationId: z.string().min(1),
    assignedAt: z.iso.datetime(),
  }),
]);
type RoutingJob = z.infer<typeof JobSchema>;

/**
 * Routing's timers as bull delayed jobs with deterministic ids (scheduling one twice is a no-op, and a
 * worker crash re-runs it: every handler re-checks state first). A periodic sweep covers timers lost with
 * Redis data.
 */
export function createRoutingTimers(queues: QueueFactory): RoutingTimers {
  const queue = () => queues.queue<RoutingJob>(ROUTING_QUEUE);
  const at = (date: Date) => ({
    delay: Math.max(0, date.getTime() - Date.now()),
    attempts: 3,
    removeOnComplete: true,
  });
  return {
    async offerExpiry(offerId, date) {
      await queue().add({ kind: 'offer-expiry', offerId }, { ...at(date), jobId: `offer-expiry:${offerId}` });
    },
    async presenceGrace(agentId, disconnectedAt, date) {
      await queue().add(
        { kind: 'presence-grace', agentId, disconnectedAt: disconnectedAt.toISOString() },
        { ...at(date), jobId: `presence-grace:${agentId}:${disconnectedAt.getTime()}` },
      );
    },
    async unanswered(conversationId, assignedAt, date) {
      await queue().add(
        { kind: 'unanswered', conversationId, assignedAt: assignedAt.toISOString() },
        { ...at(date), jobId: `unanswered:${conversationId}:${assignedAt.getTime()}` },
      );
    },
  };
}

export function registerRoutingWorkers(
  queues: QueueFactory,
  handlers: {
    expireOffer(offerId: string): Promise<unknown>;
    graceExpired(agentId: string, disconnectedAt: Date): Promise<unknown>;
    requeueIfUnanswered(conversationId: string, assignedAt: Date): Promise<unknown>;
  },
): void {
  queues.process<unknown>(ROUTING_QUEUE, { concurrency: 4 }, async (job) => {
    const data = parseInput(JobSchema, job.data, 'routing job');
    switch (data.kind) {
      case 'offer-expiry':
        return handlers.expireOffer(data.offerId);
      case 'presence-grace':
        return handlers.graceExpired(data.agentId, new Date(data.disconnectedAt));
      case 'unanswered':
        return handlers.requeueIfUnanswered(data.conversationId, new Date(data.assignedAt));
    }
  });
}
