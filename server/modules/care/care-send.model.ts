import { Schema, type Connection, type Model, type Types } from 'mongoose';

export const CARE_KINDS = ['birthday', 'anniversary', 'reengage'] as const;
export type CareKind = (typeof CARE_KINDS)[number];

/**
 * One care message decision per key (`birthday:<contact>:<year>`, `reengage:<contact>:<since>`): the unique
 * key is claimed before anything is sent, so a job run twice sends once.
 */
export interface CareSendRecord {
  _id: Types.ObjectId;
  key: string;
  kind: CareKind;
  contactId: string;
  status: 'sending' | 'sent' | 'opted_out' | 'no_channel' | 'window_closed';
  conversationId: string | null;
  messageId: string | null;
  channel: string | null;
  at: Date;
}

const careSendSchema = new Schema<CareSendRecord>(
  {
    key: { type: String, required: true },
    kind: { type: String, required: true },
    contactId: { type: String, required: true },
    status: { type: String, required: true },
    conversationId: { type: String, default: null },
    messageId: { type: String, default: null },
    channel: { type: String, default: null },
    at: { type: Date, required: true },
  },
  { collection: 'care_sends', versionKey: false },
);
careSendSchema.index({ key: 1 }, { unique: true });
careSendSchema.index({ contactId: 1, at: -1 });

export function careSendModel(connection: Connection): Model<CareSendRecord> {
  return (
    (connection.models.CareSend as Model<CareSendRecord> | undefined) ??
    connection.model<CareSendRecord>('CareSend', careSendSchema)
  );
}
