/**
 * Outbound: a reply is a timeline entry first (status queued, stored by conversations), then a bull job on
 * 'outbound' that sends it through the channel registry, with retries and exponential backoff for transient
 * errors, immediate failure for permanent ones, and a claim that keeps one generation from being sent twice.
 */
import type { Job } from 'bull';
import type { Connection } from 'mongoose';
import type { QueueFactory } from '../../infra/queues';
import { systemClock, type Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import type { AttachmentStore } from '../attachments';
import type { ChannelRegistry } from '../channels';
import { getOutboundSendModel } from './outbound-send.model';
import { createSendProcessor, OUTBOUND_QUEUE, type SendJobData } from './outbound-send.job';
import type { MessageForSend, OutboundTimeline } from './outbound-timeline';
import { sendJobId } from './send-outcome';
import { ensureSendRecord, findStuckSends } from './send-records';

interface SweepJobData {
  sweep: true;
}
const isSweepJob = (data: unknown): data is SweepJobData =>
  typeof data === 'object' && data !== null && (data as { sweep?: unknown }).sweep === true;
/** How often workers look for stuck sends (a send untouched for two intervals counts as stuck). */
export const DEFAULT_OUTBOUND_SWEEP_INTERVAL_MS = 60_000;

export type { MessageForSend, OutboundTimeline, TimelineForOutbound } from './outbound-timeline';
export { createOutboundTimeline } from './outbound-timeline';
export { resolveRecipient, type ReachableContact } from './recipient';
export { createReplyWindowGuard, type RecentEntry, type ReplyWindowGuard } from './reply-window-guard';
export { OUTBOUND_QUEUE, sendJobId };

export interface OutboundService {
  /**
   * Queues the send of a stored reply. `generation` is the message's retry count (0 for the first send; an
   * agent's retry bumps it); without it, the current one is read from the timeline. Enqueuing the same
   * generation twice adds nothing (deterministic job id).
   */
  enqueue(messageId: string, options?: { generation?: number }): Promise<void>;
  /**
   * Re-queues sends nobody works on any more (their job was lost, or their worker died past its lease).
   * Workers run it every minute; resolves with how many were re-queued.
   */
  sweepStuckSends(options?: { olderThanMs?: number; limit?: number }): Promise<number>;
  /** Registers the send processor and the periodic sweep in this process (workers only). */
  startWorkers(options?: { concurrency?: number }): void;
  /** Stops the periodic sweep (the queues close with the hub). */
  stop(): void;
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
  /** How often workers sweep for stuck sends (default 60 s). */
  sweepIntervalMs?: number;
}): OutboundService {
  const sends = getOutboundSendModel(deps.connection);
  const logger = deps.logger.child({ module: 'outbound' });
  const sweepIntervalMs = deps.sweepIntervalMs ?? DEFAULT_OUTBOUND_SWEEP_INTERVAL_MS;
  let sweepTimer: NodeJS.Timeout | undefined;
  const service: OutboundService = {
    async enqueue(messageId, options = {}) {
      let generation = options.generation;
      if (generation === undefined) {
        const message = await deps.timeline.getMessageForSend(messageId);
        if (!message) return;
        generation = message.retryCount;
      }
      // The record first: should the job be lost (Redis without its data), the sweep finds the send.
      await ensureSendRecord(sends, { messageId, generation, now: systemClock.now() });
      await deps.queues
        .queue<SendJobData>(OUTBOUND_QUEUE)
        .add({ messageId, generation }, { jobId: sendJobId(messageId, generation) });
    },
    async sweepStuckSends(options = {}) {
      const now = systemClock.now();
      const stuck = await findStuckSends(sends, {
        staleBefore: new Date(now.getTime() - (options.olderThanMs ?? 2 * sweepIntervalMs)),
        now,
        limit: options.limit ?? 200,
      });
      // A fresh job id per sweep pass: the original job may still sit completed in Redis. Running a send
      // job again is safe: the claim decides. Workers sweeping in the same pass add each job once.
      const pass = Math.floor(now.getTime() / sweepIntervalMs);
      for (const record of stuck) {
        await deps.queues
          .queue<SendJobData>(OUTBOUND_QUEUE)
          .add(
            { messageId: record._id, generation: record.generation },
            { jobId: `${sendJobId(record._id, record.generation)}:sweep:${pass}` },
          );
      }
      if (stuck.length) logger.warn({ count: stuck.length }, 'outbound sweep re-queued stuck sends');
      return stuck.length;
    },
    startWorkers(options = {}) {
      const processSend = createSendProcessor({ ...deps, sends, logger });
      // A `{sweep: true}` job is left from versions that swept through a repeatable bull job: it sweeps once.
      deps.queues.process<SendJobData | SweepJobData>(
        OUTBOUND_QUEUE,
        { concurrency: options.concurrency ?? 8 },
        (job) => (isSweepJob(job.data) ? service.sweepStuckSends() : processSend(job as Job<SendJobData>)),
      );
      deps.queues
        .queue(OUTBOUND_QUEUE)
        .removeRepeatable({ every: DEFAULT_OUTBOUND_SWEEP_INTERVAL_MS, jobId: 'sweep' })
        .catch((error: unknown) => logger.warn({ err: error }, 'could not remove the old sweep job'));
      // The sweep is a timer in every worker, not a job in Redis: a Redis that lost its data (flushed, or
      // restarted without persistence) would lose a repeatable job, and with it every later sweep.
      sweepTimer = setInterval(() => {
        service
          .sweepStuckSends()
          .catch((error: unknown) => logger.error({ err: error }, 'outbound sweep failed'));
      }, sweepIntervalMs);
      sweepTimer.unref();
    },
    stop() {
      clearInterval(sweepTimer);
    },
  };
  return service;
}
