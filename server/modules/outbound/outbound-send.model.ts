import { Schema, type Connection, type Model } from 'mongoose';

export const SEND_STATES = ['pending', 'sending', 'released', 'sent', 'failed', 'abandoned'] as const;
export type SendState = (typeof SEND_STATES)[number];

/**
 * One document per outbound message: the send claim that makes "a job that runs twice sends once" true.
 * `generation` follows the message's retry count; each state change is a conditional update on
 * (`_id`, `generation`, expected `state`).
 *
 * pending → sending (claimed, lease) → sent (provider accepted: externalId kept before the timeline is
 * updated, so a retry after a failed markSent never calls the provider again)
 *                                    → released (transient failure: the next attempt may claim again)
 *                                    → failed (permanent error, last attempt, or an in-doubt send)
 * pending → abandoned (nothing to send: the message is gone, no longer queued, or a note)
 *
 * The record is created when the send is enqueued, so a job lost with Redis is found by the sweep.
 */
const outboundSendSchema = new Schema(
  {
    _id: { type: String, required: true },
    generation: { type: Number, required: true },
    state: { type: String, enum: SEND_STATES, required: true },
    leaseUntil: { type: Date },
    attempts: { type: Number, default: 0 },
    externalId: { type: String },
    error: { type: new Schema({ code: String, message: String }, { _id: false }) },
    updatedAt: { type: Date },
  },
  { collection: 'outbound_sends', versionKey: false, _id: false },
);
// The sweep: sends left waiting, released or claimed past their lease.
outboundSendSchema.index({ state: 1, updatedAt: 1 });
outboundSendSchema.index({ state: 1, leaseUntil: 1 });

export interface OutboundSendDoc {
  _id: string;
  generation: number;
  state: SendState;
  leaseUntil?: Date;
  attempts: number;
  externalId?: string;
  error?: { code?: string; message?: string };
  updatedAt?: Date;
}
export type OutboundSendModel = Model<OutboundSendDoc>;

export function getOutboundSendModel(connection: Connection): OutboundSendModel {
  return (
    (connection.models.OutboundSend as OutboundSendModel | undefined) ??
    connection.model<OutboundSendDoc>('OutboundSend', outboundSendSchema)
  );
}
