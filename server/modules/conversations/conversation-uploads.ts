/**
 * Files an agent uploaded for a reply. The bytes live in the attachment store; this record binds the
 * store's key to the conversation it was uploaded for, so a reply can attach only files of its own
 * conversation (a reference from another conversation is refused with 400, never resolved).
 *
 * Lifecycle for the cleanup sweep (`upload-cleanup.ts`): `touchedAt` starts at the upload and moves to "now"
 * whenever a reply resolves the upload (so a sweep never deletes a file a reply is about to send), and
 * `sentAt` is set once a stored reply carries it. Uploads with no `sentAt` whose `touchedAt` is older than
 * the TTL are deleted, record and bytes.
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
  /** The upload, or the last time a reply resolved it (the cleanup's TTL counts from here). */
  touchedAt: Date;
  /** When a stored reply first carried it (null while unsent). */
  sentAt: Date | null;
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
    touchedAt: { type: Date, required: true },
    sentAt: { type: Date, default: null },
  },
  { collection: 'conversation_uploads', versionKey: false },
);
uploadSchema.index({ conversationId: 1, _id: 1 });
/** The cleanup sweep: unsent uploads, oldest first. */
uploadSchema.index({ sentAt: 1, touchedAt: 1 });

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
    async record(
      input: Omit<ConversationUploadRecord, 'createdAt' | 'touchedAt' | 'sentAt'>,
    ): Promise<UploadReference> {
      const now = deps.now();
      const doc = await Upload.create({ ...input, createdAt: now, touchedAt: now, sentAt: null });
      return { id: String(doc._id), filename: doc.filename, contentType: doc.contentType, size: doc.size };
    },
    /**
     * The timeline attachments for these upload ids, in order; 400 when any id was not uploaded for this
     * conversation (another conversation's file, or no such upload). Touches them first: a cleanup sweep
     * that has not deleted one yet will not delete it now, and one it deleted is not found (400).
     */
    async resolve(conversationId: string, ids: readonly string[]): Promise<MessageAttachment[]> {
      if (ids.length === 0) return [];
      const unique = [...new Set(ids)];
      await Upload.updateMany(
        { conversationId, _id: op({ $in: unique }) },
        { $set: { touchedAt: deps.now() } },
      );
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
    /** Marks uploads as sent (a stored reply carries them): the cleanup keeps them. */
    async markSent(conversationId: string, ids: readonly string[]): Promise<void> {
      if (ids.length === 0) return;
      await Upload.updateMany(
        { conversationId, _id: op({ $in: [...new Set(ids)] }), sentAt: null },
        { $set: { sentAt: deps.now() } },
      );
    },
  };
}

export type ConversationUploads = ReturnType<typeof createConversationUploads>;
