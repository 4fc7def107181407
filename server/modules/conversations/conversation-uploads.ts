/**
 * Files an agent uploaded for a reply. The bytes live in the attachment store; this record binds the
 * store's key to the conversation it was uploaded for, so a reply can attach only files of its own
 * conversation (a reference from another conversation is refused with 400, never resolved).
 */
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { AppError } from '../../lib/app-error';
import type { MessageAttachment } from './message.model';
import { op } from './mongo-helpers';

export interface ConversationUploadRecord {
  conversationId: string;
  uploadedBy: string;
  storageKey: string;
  filename: string;
  contentType: string;
  size: number;
  createdAt: Date;
}

type UploadModel = Model<ConversationUploadRecord>;

const uploadSchema = new Schema<ConversationUploadRecord>(
  {
    conversationId: { type: String, required: true },
    uploadedBy: { type: String, required: true },
    storageKey: { type: String, required: true },
    filename: { type: String, required: true },
    contentType: { type: String, required: true },
    size: { type: Number, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'conversation_uploads', versionKey: false },
);
uploadSchema.index({ conversationId: 1, _id: 1 });

/** What the upload route answers and a reply refers to (`attachments: [id]`). */
export interface UploadReference {
  id: string;
  filename: string;
  contentType: string;
  size: number;
}

export function createConversationUploads(deps: { connection: Connection; now: () => Date }) {
  const Upload =
    (deps.connection.models.ConversationUpload as UploadModel | undefined) ??
    deps.connection.model<ConversationUploadRecord>('ConversationUpload', uploadSchema);

  return {
    Upload,
    async record(input: Omit<ConversationUploadRecord, 'createdAt'>): Promise<UploadReference> {
      const doc = await Upload.create({ ...input, createdAt: deps.now() });
      return { id: String(doc._id), filename: doc.filename, contentType: doc.contentType, size: doc.size };
    },
    /**
     * The timeline attachments for these upload ids, in order; 400 when any id was not uploaded for this
     * conversation (another conversation's file, or no such upload).
     */
    async resolve(conversationId: string, ids: readonly string[]): Promise<MessageAttachment[]> {
      if (ids.length === 0) return [];
      const unique = [...new Set(ids)];
      const found = await Upload.find({ conversationId, _id: op({ $in: unique }) }).lean<
        (ConversationUploadRecord & { _id: Types.ObjectId })[]
      >();
      const byId = new Map(found.map((upload) => [String(upload._id), upload]));
      if (unique.some((id) => !byId.has(id)))
        throw new AppError('INVALID_INPUT', {
          userMessage: 'An attachment was not uploaded for this conversation.',
        });
      return unique.map((id) => {
        const upload = byId.get(id)!;
        return {
          id,
          storageKey: upload.storageKey,
          filename: upload.filename,
          contentType: upload.contentType,
          size: upload.size,
        };
      });
    },
  };
}

export type ConversationUploads = ReturnType<typeof createConversationUploads>;
