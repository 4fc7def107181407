import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { WEBHOOK_EVENT_TYPES } from './webhook-events';

/** An admin's subscription: which event types go to which URL, signed with its own secret (sealed at rest). */
const subscriptionSchema = new Schema<SubscriptionRecord>(
  {
    url: { type: String, required: true },
    description: { type: String, default: '' },
    events: { type: [{ type: String, enum: WEBHOOK_EVENT_TYPES }], required: true },
    secret: { type: String, required: true },
    enabled: { type: Boolean, default: true },
    /** When deliveries started failing without a success since (null while healthy). */
    failingSince: { type: Date, default: null },
    disabledAt: { type: Date, default: null },
    disabledReason: { type: String, default: null },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'webhook_subscriptions', versionKey: false },
);
subscriptionSchema.index({ enabled: 1, events: 1 });

/**
 * The outbox: one row per event, keyed by `key` (`message.created:<messageId>`), written when the event is
 * seen and before any delivery is queued; `fannedOutAt` marks that a delivery job was queued for every
 * matching subscription. A sweep queues the rest (a crash between the two), so each event leaves once.
 */
const outboxSchema = new Schema<OutboxRecord>(
  {
    key: { type: String, required: true },
    type: { type: String, enum: WEBHOOK_EVENT_TYPES, required: true },
    occurredAt: { type: Date, required: true },
    data: { type: Schema.Types.Mixed, required: true },
    fannedOutAt: { type: Date, default: null },
    createdAt: { type: Date, required: true },
  },
  { collection: 'webhook_outbox', versionKey: false, minimize: false },
);
outboxSchema.index({ key: 1 }, { unique: true });
outboxSchema.index({ fannedOutAt: 1, createdAt: 1 });
// Delivered events are kept a week for redelivery and the log, then purged.
outboxSchema.index({ createdAt: 1 }, { expireAfterSeconds: 7 * 24 * 3600 });

/** One delivery attempt, for the log an admin reads (status, latency, a response excerpt). */
const deliverySchema = new Schema<DeliveryRecord>(
  {
    subscriptionId: { type: String, required: true },
    eventKey: { type: String, required: true },
    eventType: { type: String, required: true },
    attempt: { type: Number, required: true },
    manual: { type: Boolean, default: false },
    outcome: { type: String, enum: ['delivered', 'failed'], required: true },
    responseStatus: { type: Number, default: null },
    responseExcerpt: { type: String, default: '' },
    error: { type: String, default: null },
    latencyMs: { type: Number, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'webhook_deliveries', versionKey: false },
);
deliverySchema.index({ subscriptionId: 1, at: -1, _id: -1 });
deliverySchema.index({ at: 1 }, { expireAfterSeconds: 30 * 24 * 3600 });

// Record types are written out rather than inferred (InferSchemaType): inferring these schemas made the
// whole-project type check take gigabytes of memory.
export interface SubscriptionRecord {
  _id: Types.ObjectId;
  url: string;
  description?: string | null;
  events: string[];
  secret: string;
  enabled: boolean;
  failingSince?: Date | null;
  disabledAt?: Date | null;
  disabledReason?: string | null;
  createdBy: string;
  createdAt: Date;
}
export interface OutboxRecord {
  _id: Types.ObjectId;
  key: string;
  type: string;
  occurredAt: Date;
  data: Record<string, unknown>;
  fannedOutAt?: Date | null;
  createdAt: Date;
}
export interface DeliveryRecord {
  _id: Types.ObjectId;
  subscriptionId: string;
  eventKey: string;
  eventType: string;
  attempt: number;
  manual?: boolean | null;
  outcome: 'delivered' | 'failed';
  responseStatus?: number | null;
  responseExcerpt?: string | null;
  error?: string | null;
  latencyMs: number;
  at: Date;
}

const modelOf = <T>(connection: Connection, name: string, schema: Schema<T>): Model<T> =>
  (connection.models[name] as Model<T> | undefined) ?? connection.model<T>(name, schema);

export function getWebhookModels(connection: Connection) {
  return {
    Subscription: modelOf<SubscriptionRecord>(connection, 'WebhookSubscription', subscriptionSchema),
    Outbox: modelOf<OutboxRecord>(connection, 'WebhookOutbox', outboxSchema),
    Delivery: modelOf<DeliveryRecord>(connection, 'WebhookDelivery', deliverySchema),
  };
}
export type WebhookModels = ReturnType<typeof getWebhookModels>;
