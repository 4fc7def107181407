import { trusted } from 'mongoose';
import { isDuplicateKeyError } from '../../infra/mongo-errors';
import type { OutboundSendDoc, OutboundSendModel } from './outbound-send.model';

/**
 * The send record of a message's generation: created on first sight, or advanced from an older generation
 * (an agent retry). Returns null when the record already belongs to a newer generation (a stale job).
 */
export async function ensureSendRecord(
  sends: OutboundSendModel,
  input: { messageId: string; generation: number; now: Date },
): Promise<OutboundSendDoc | null> {
  const { messageId, generation, now } = input;
  await sends.updateOne(
    { _id: messageId, generation: trusted({ $lt: generation }) },
    {
      $set: { generation, state: 'pending', attempts: 0, updatedAt: now },
      $unset: { externalId: '', error: '', leaseUntil: '' },
    },
  );
  try {
    await sends.create({ _id: messageId, generation, state: 'pending', attempts: 0, updatedAt: now });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
  const record = await sends.findById(messageId).lean<OutboundSendDoc>();
  return record && record.generation === generation ? record : null;
}

/**
 * Sends nobody is working on any more: waiting or released for longer than `staleBefore` (their bull job
 * was lost, e.g. with a Redis that lost its data), or claimed by a worker whose lease ran out (it died).
 */
export function findStuckSends(
  sends: OutboundSendModel,
  input: { staleBefore: Date; now: Date; limit: number },
): Promise<OutboundSendDoc[]> {
  return sends
    .find({
      $or: [
        { state: trusted({ $in: ['pending', 'released'] }), updatedAt: trusted({ $lt: input.staleBefore }) },
        { state: 'sending', leaseUntil: trusted({ $lt: input.now }) },
      ],
    })
    .sort({ updatedAt: 1 })
    .limit(input.limit)
    .lean<OutboundSendDoc[]>();
}
