import { Schema, type Connection, type Model, type Types } from 'mongoose';

/** One agent mentioned in one note: what their notification list shows until they read it. */
export interface MentionRecord {
  _id: Types.ObjectId;
  /** Who is mentioned. */
  agentId: string;
  messageId: string;
  conversationId: string;
  conversationNumber: number;
  authorId: string | null;
  /** The note's text with tokens as `@Name`, cut short. */
  excerpt: string;
  createdAt: Date;
  readAt: Date | null;
}

const mentionSchema = new Schema<MentionRecord>(
  {
    agentId: { type: String, required: true },
    messageId: { type: String, required: true },
    conversationId: { type: String, required: true },
    conversationNumber: { type: Number, required: true },
    authorId: { type: String, default: null },
    excerpt: { type: String, required: true },
    createdAt: { type: Date, required: true },
    readAt: { type: Date, default: null },
  },
  { collection: 'mentions', versionKey: false },
);
// One notification per agent and note, however often the note's event is handled.
mentionSchema.index({ messageId: 1, agentId: 1 }, { unique: true });
// The agent's list, newest first (and the unread count).
mentionSchema.index({ agentId: 1, createdAt: -1, _id: -1 });
mentionSchema.index({ agentId: 1, readAt: 1 });

export type MentionModel = Model<MentionRecord>;

export function mentionModel(connection: Connection): MentionModel {
  return (
    (connection.models.Mention as MentionModel | undefined) ??
    connection.model<MentionRecord>('Mention', mentionSchema)
  );
}
