import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { CHANNEL_KINDS, type ChannelKind } from '../../../connectors/channel';

/**
 * An admin-configured channel: one provider account, number or address, owned by a team. `credentials`
 * holds the provider secrets the connector needs (auth tokens, app secrets, passwords); the API never
 * returns them in clear (see inbox-views.ts).
 */
export const inboxSchema = new Schema(
  {
    name: { type: String, required: true },
    channel: { type: String, enum: CHANNEL_KINDS, required: true },
    /** The number (E.164), email address, page id or bot name customers write to. */
    address: { type: String },
    teamId: { type: String, default: null },
    autoReply: {
      type: new Schema(
        { enabled: { type: Boolean, default: false }, template: { type: String } },
        { _id: false },
      ),
      default: () => ({ enabled: false }),
    },
    credentials: { type: Schema.Types.Mixed, default: () => ({}) },
    /** The inbox replies of this channel kind go out through when a conversation names no inbox. */
    isDefault: { type: Boolean, default: false },
    enabled: { type: Boolean, default: true },
    /** Bumped by every edit: hub processes rebuild an inbox's connector when it moves. */
    revision: { type: Number, default: 0 },
  },
  { collection: 'inboxes', timestamps: true, versionKey: false, minimize: false },
);
// Webhooks find their inbox by the address the customer wrote to; two inboxes cannot share one.
inboxSchema.index(
  { channel: 1, address: 1 },
  { unique: true, partialFilterExpression: { address: { $type: 'string' } } },
);
inboxSchema.index({ channel: 1, isDefault: -1, _id: 1 });

export interface InboxDoc {
  _id: Types.ObjectId;
  name: string;
  channel: ChannelKind;
  address?: string;
  teamId: string | null;
  autoReply: { enabled: boolean; template?: string };
  credentials: Record<string, string>;
  isDefault: boolean;
  enabled: boolean;
  revision: number;
  createdAt: Date;
  updatedAt: Date;
}

export type InboxModel = Model<InboxDoc>;

export function getInboxModel(connection: Connection): InboxModel {
  return (
    (connection.models.Inbox as InboxModel | undefined) ?? connection.model<InboxDoc>('Inbox', inboxSchema)
  );
}
