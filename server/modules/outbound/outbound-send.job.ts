import type { Job } from 'bull';
import { trusted } from 'mongoose';
import { z } from 'zod';
import { PermanentJobError, type QueueFactory } from '../../infra/queues';
import { systemClock, type Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import { SendError, type OutboundMessage } from '../../../connectors/channel';
import type { AttachmentStore } from '../attachments';
import type { ChannelRegistry } from '../channels';
import { createCircuitBreaker, type CircuitBreaker } from './circuit-breaker';
import type { MessageForSend, OutboundTimeline } from './outbound-timeline';
import type { OutboundSendDoc, OutboundSendModel } from './outbound-send.model';
import { classifySendFailure, isSendable, sendJobId } from './send-outcome';
import { ensureSendRecord } from './send-records';

export const OUTBOUND_QUEUE = 'outbound';

export const SendJobSchema = z.strictObject({
  messageId: z.string().min(1).max(64),
  generation: z.number().int().min(0),
});
export type SendJobData = z.infer<typeof SendJobSchema>;

/** How long a claimed send may stay unresolved before another attempt treats it as in doubt. */
export const DEFAULT_SEND_LEASE_MS = 5 * 60_000;

export interface SendProcessorDeps {
  queues: QueueFactory;
  sends: OutboundSendModel;
  timeline: OutboundTimeline;
  channels: ChannelRegistry;
  attachments?: AttachmentStore;
  clock: Clock;
  logger: Logger;
  leaseMs?: number;
  statusCallbackUrlFor?: (message: MessageForSend) => string | undefined;
  /** Stops calling a provider that keeps failing (default: one breaker per processor, per inbox). */
  circuit?: CircuitBreaker;
}

type Outcome = { outcome: string; externalId?: string };

/** The provider reported on this message (the status moved past queued with its provider id known). */
function isConfirmed(message: MessageForSend): message is MessageForSend & { externalId: string } {
  const status = message.status;
  return Boolean(message.externalId) && (status === 'sent' || status === 'delivered' || status === 'read');
}

/**
 * The send job. Runs at least once per generation (bull may run it twice after a stall); the claim on
 * `outbound_sends` makes the provider call happen at most once, and `sent` is recorded (with the provider's
 * id) before the timeline is told, so a retry after a failed `markSent` only repeats `markSent`.
 */
export function createSendProcessor(deps: SendProcessorDeps) {
  const { sends, timeline } = deps;
  const leaseMs = deps.leaseMs ?? DEFAULT_SEND_LEASE_MS;
  // Leases are wall time, not the injected clock: a simulated clock jumping ahead must not make a send that
  // is still talking to its provider look abandoned (and a stuck one is judged by real elapsed time).
  const now = () => systemClock.now();
  const circuit = deps.circuit ?? createCircuitBreaker();

  const ensureRecord = (messageId: string, generation: number) =>
    ensureSendRecord(sends, { messageId, generation, now: now() });

  /** Nothing to send for this record (message gone, not queued, a note): the sweep must not pick it up. */
  const abandon = (messageId: string, generation: number) =>
    sends.updateOne(
      { _id: messageId, generation, state: trusted({ $in: ['pending', 'released'] }) },
      { $set: { state: 'abandoned', updatedAt: now() } },
    );

  const claim = async (messageId: string, generation: number) =>
    sends
      .findOneAndUpdate(
        { _id: messageId, generation, state: trusted({ $in: ['pending', 'released'] }) },
        {
          $set: { state: 'sending', leaseUntil: new Date(now().getTime() + leaseMs), updatedAt: now() },
          $inc: { attempts: 1 },
        },
        { returnDocument: 'after' },
      )
      .lean<OutboundSendDoc>();

  const settle = (messageId: string, generation: number, set: Partial<OutboundSendDoc>) =>
    sends.updateOne({ _id: messageId, generation, state: 'sending' }, { $set: { ...set, updatedAt: now() } });

  const failMessage = async (
    message: MessageForSend,
    generation: number,
    error: { code: string; message: string },
  ): Promise<void> => {
    await sends.updateOne(
      { _id: message.id, generation, state: trusted({ $ne: 'sent' }) },
      { $set: { state: 'failed', error, updatedAt: now() } },
    );
    await timeline.markFailed(message.id, error);
  };

  const buildOutbound = async (
    message: MessageForSend & { recipient: NonNullable<MessageForSend['recipient']> },
  ): Promise<OutboundMessage> => {
    const attachments: NonNullable<OutboundMessage['attachments']> = [];
    for (const attachment of message.attachments) {
      if (!attachment.storageKey || !deps.attachments) continue;
      const stat = await deps.attachments.stat(attachment.storageKey);
      if (!stat) continue;
      const chunks: Buffer[] = [];
      for await (const chunk of await deps.attachments.get(attachment.storageKey))
        chunks.push(chunk as Buffer);
      attachments.push({
        filename: stat.filename,
        contentType: stat.contentType,
        data: Buffer.concat(chunks),
      });
    }
    const statusCallbackUrl = deps.statusCallbackUrlFor?.(message);
    return {
      messageId: message.id,
      channel: message.channel,
      inboxId: message.inboxId ?? '',
      to: message.recipient,
      text: message.text,
      ...(message.html ? { html: message.html } : {}),
      ...(message.subject ? { subject: message.subject } : {}),
      ...(message.thread ? { thread: message.thread } : {}),
      ...(message.cc?.length ? { cc: message.cc } : {}),
      ...(attachments.length ? { attachments } : {}),
      ...(statusCallbackUrl ? { statusCallbackUrl } : {}),
      ...(message.isAutomated ? { isAutomated: true } : {}),
      ...(message.conversationNumber && message.contactId
        ? {
            conversation: {
              id: message.conversationId,
              number: message.conversationNumber,
              contactId: message.contactId,
            },
          }
        : {}),
    };
  };

  /** Someone else holds the claim: check again when its lease ends, or call it in doubt if it already has. */
  const handleHeldClaim = async (message: MessageForSend, generation: number): Promise<Outcome> => {
    const record = await sends.findById(message.id).lean<OutboundSendDoc>();
    if (!record || record.generation !== generation) return { outcome: 'stale' };
    if (record.state === 'sent') {
      await timeline.markSent(message.id, record.externalId ?? '');
      return { outcome: 'already-sent', externalId: record.externalId };
    }
    if (record.state === 'failed') return { outcome: 'already-failed' };
    const leaseLeft = (record.leaseUntil?.getTime() ?? 0) - now().getTime();
    if (record.state === 'sending' && leaseLeft > 0) {
      await deps.queues
        .queue<SendJobData>(OUTBOUND_QUEUE)
        .add(
          { messageId: message.id, generation },
          { jobId: `${sendJobId(message.id, generation)}:check`, delay: leaseLeft + 1_000 },
        );
      return { outcome: 'in-progress-elsewhere' };
    }
    // A worker claimed the send and never reported back (crashed mid-call): the provider may or may not have
    // the message. Sending again could deliver it twice, so the agent decides (retry is one click).
    await failMessage(message, generation, {
      code: 'SEND_UNCERTAIN',
      message: 'Sending was interrupted; the message may not have been delivered. Retry to send it again.',
    });
    return { outcome: 'in-doubt' };
  };

  return async function processSend(job: Job<SendJobData>): Promise<Outcome> {
    const parsed = SendJobSchema.safeParse(job.data);
    if (!parsed.success) throw new PermanentJobError('invalid outbound job payload');
    const { messageId, generation } = parsed.data;

    const message = await timeline.getMessageForSend(messageId);
    if (!message) {
      await abandon(messageId, generation);
      return { outcome: 'missing' };
    }
    if (!isSendable(message)) {
      // Notes never reach a provider, whoever enqueued them.
      await abandon(messageId, generation);
      throw new PermanentJobError(`message ${messageId} is ${message.direction}/${message.kind}: never sent`);
    }
    if (message.retryCount !== generation) {
      await abandon(messageId, generation);
      return { outcome: 'stale' };
    }

    const record = await ensureRecord(messageId, generation);
    if (!record) return { outcome: 'stale' };
    if (record.state === 'sent') {
      if (message.status === 'queued') await timeline.markSent(messageId, record.externalId ?? '');
      return { outcome: 'already-sent', externalId: record.externalId };
    }
    if (record.state === 'failed') return { outcome: 'already-failed' };
    if (record.state === 'sending' && isConfirmed(message)) {
      // Its worker died after the provider accepted it, and a signed status callback naming this message
      // told us so (the provider id is now on the message): the send is done, never in doubt.
      await settle(messageId, generation, { state: 'sent', externalId: message.externalId });
      return { outcome: 'confirmed-by-provider', externalId: message.externalId };
    }
    if (message.status !== 'queued') {
      await abandon(messageId, generation);
      return { outcome: 'not-queued' };
    }

    // A provider that keeps failing is left alone for a while: the send waits in a delayed job of its own
    // (its attempts untouched) instead of calling it.
    const circuitKey = `${message.channel}:${message.inboxId ?? ''}`;
    const gate = circuit.allow(circuitKey);
    if (!gate.allowed) {
      await deps.queues
        .queue<SendJobData>(OUTBOUND_QUEUE)
        .add(
          { messageId, generation },
          { jobId: `${sendJobId(messageId, generation)}:circuit:${now().getTime()}`, delay: gate.retryInMs },
        );
      return { outcome: 'circuit-open' };
    }

    const claimed = await claim(messageId, generation);
    if (!claimed) return handleHeldClaim(message, generation);

    const recipient = message.recipient;
    if (!recipient) {
      await failMessage(message, generation, {
        code: 'NO_RECIPIENT',
        message: `The contact has no ${message.channel} address to send to.`,
      });
      throw new PermanentJobError(`no ${message.channel} recipient for message ${messageId}`);
    }
    const channel = await deps.channels.resolve({ inboxId: message.inboxId, channel: message.channel });
    if (!channel) {
      await failMessage(message, generation, {
        code: 'NO_CHANNEL',
        message: `No configured ${message.channel} inbox can send this message.`,
      });
      throw new PermanentJobError(
        `no channel for ${message.channel} inbox ${message.inboxId ?? '(default)'}`,
      );
    }

    let externalId: string;
    try {
      const result = await channel.send(await buildOutbound({ ...message, recipient }));
      externalId = result.externalId;
    } catch (error) {
      if (error instanceof SendError && error.permanent) circuit.success(circuitKey);
      else circuit.failure(circuitKey);
      const outcome = classifySendFailure(error, { made: job.attemptsMade, allowed: job.opts.attempts ?? 1 });
      if (outcome.action === 'retry') {
        await settle(messageId, generation, { state: 'released', error: outcome.error });
        deps.logger.info({ messageId, attempt: job.attemptsMade + 1, err: error }, 'send failed; will retry');
        throw error;
      }
      await failMessage(message, generation, outcome.error);
      deps.logger.warn({ messageId, err: error, permanent: outcome.permanent }, 'send failed for good');
      throw outcome.permanent ? new PermanentJobError(outcome.error.message, { cause: error }) : error;
    }
    circuit.success(circuitKey);
    await settle(messageId, generation, { state: 'sent', externalId });
    await timeline.markSent(messageId, externalId);
    return { outcome: 'sent', externalId };
  };
}
