import { Schema, type Connection, type Model, type Types } from 'mongoose';

/** One order summary, as imported from the order system (its id is the order system's). */
export interface OrderRecord {
  _id: Types.ObjectId;
  orderId: string;
  contactId: string;
  placedAt: Date;
  /** In minor units of `currency` (fen, cents). */
  amountMinor: number;
  currency: string;
  importId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const orderSchema = new Schema<OrderRecord>(
  {
    orderId: { type: String, required: true },
    contactId: { type: String, required: true },
    placedAt: { type: Date, required: true },
    amountMinor: { type: Number, required: true },
    currency: { type: String, required: true },
    importId: { type: String, default: null },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'orders', versionKey: false },
);
// Re-importing an order updates it: the order system's id is the key.
orderSchema.index({ orderId: 1 }, { unique: true });
orderSchema.index({ contactId: 1, placedAt: -1 });

/** A contact's latest computed RFM scores (`_id` is the contact id). */
export interface ContactRfmRecord {
  _id: string;
  r: number;
  f: number;
  m: number;
  segment: string;
  tier: string;
  lastOrderAt: Date;
  frequency: number;
  monetaryMinor: number;
  computedAt: Date;
}

const contactRfmSchema = new Schema<ContactRfmRecord>(
  {
    _id: { type: String, required: true },
    r: { type: Number, required: true },
    f: { type: Number, required: true },
    m: { type: Number, required: true },
    segment: { type: String, required: true },
    tier: { type: String, required: true },
    lastOrderAt: { type: Date, required: true },
    frequency: { type: Number, required: true },
    monetaryMinor: { type: Number, required: true },
    computedAt: { type: Date, required: true },
  },
  { collection: 'contact_rfm', versionKey: false },
);

function model<T>(connection: Connection, name: string, schema: Schema<T>): Model<T> {
  return (connection.models[name] as Model<T> | undefined) ?? connection.model<T>(name, schema);
}

export function defineTierModels(connection: Connection) {
  return {
    Order: model(connection, 'Order', orderSchema),
    ContactRfm: model(connection, 'ContactRfm', contactRfmSchema),
  };
}

export type TierModels = ReturnType<typeof defineTierModels>;
