/**
 * Outbound: a reply is a timeline entry first (status queued, stored by conversations), then a bull job on
 * 'outbound' that sends it through the channel registry, with retries and exponential backoff for transient
 * errors, immediate failure for permanent ones, and a claim that keeps one generation from being sent twice.
 */
import type { Connection } from 'mongoose';
import type { QueueFactory } from '../../infra/queues';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import type { AttachmentStore } from '../attachments';
import type { ChannelRegistry } from '../channels';
import { getOutboundSendModel } from './outbound-send.model';
import { OUTBOUND_QUEUE, registerSendProcessor, type SendJobData } from './outbound-send.job';
import type { MessageForSend, OutboundTimeline } from './outbound-timeline';
import { sendJobId } from './send-outcome';

export type { MessageForSend, OutboundTimeline, TimelineForOutbound } from './outbound-timeline';
export { createOutboundTimeline } from './outbound-timeline';
export { resolveRecipient, type ReachableContact } from './recipient';
export { OUTBOUND_QUEUE, sendJobId };

export interface OutboundService {
  /**
   * Queues the send of a stored reply. `generation` is the message's retry count (0 for the first send; an
   * agent's retry bumps it); without it, the current one is read from the timeline. Enqueuing the same
   * generation twice adds nothing (deterministic job id).
   */
  enqueue(messageId: string, options?: { generation?: number }): Promise<void>;
  /** Registers the send processor in this process (workers only). */
  startWorkers(options?: { concurrency?: number }): void;
}

export function createOutboundModule(deps: {
  connection: Connection;
  queues: QueueFactory;
  timeline: OutboundTimeline;
  channels: ChannelRegistry;
  attachments?: AttachmentStore;
  clock: Clock;
  logger: Logger;
  leaseMs?: number;
  statusCallbackUrlFor?: (message: MessageForSend) => string | undefined;
}): OutboundService {
  const sends = getOutboundSendModel(deps.connection);
  const logger = deps.logger.child({ module: 'outbound' });
  return {
    async enqueue(messageId, options = {}) {
      let generation = options.generation;
      if (generation === undefined) {
        const message = await deps.timeline.getMessageForSend(messageId);
        if (!message) return;
        generation = message.retryCount;
      }
      await deps.queues
        .queue<SendJobData>(OUTBOUND_QUEUE)
        .add({ messageId, generation }, { jobId: sendJobId(messageId, generation) });
    },
    startWorkers(options = {}) {
      registerSendProcessor({ ...deps, sends, logger, concurrency: options.concurrency });
    },
  };
}
