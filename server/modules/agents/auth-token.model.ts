import { Schema, type Connection, type InferSchemaType, type Model, type Types } from 'mongoose';

/**
 * Issued tokens, stored only as sha256 hashes. One login opens a session (`sessionId`, the refresh-token
 * family); each refresh rotates the refresh token within it. `usedAt` marks a rotated refresh token: seeing
 * it again is reuse, and revokes the whole session. Rows are purged by a TTL index some time after expiry
 * (kept a while so that reuse of an expired-but-rotated token is still recognised as such in the logs).
 */
const authTokenSchema = new Schema(
  {
    hash: { type: String, required: true },
    kind: { type: String, enum: ['access', 'refresh'], required: true },
    sessionId: { type: Schema.Types.ObjectId, required: true },
    agentId: { type: Schema.Types.ObjectId, required: true },
    expiresAt: { type: Date, required: true },
    usedAt: { type: Date, default: null },
    revokedAt: { type: Date, default: null },
    purgeAt: { type: Date, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'auth_tokens', versionKey: false },
);
authTokenSchema.index({ hash: 1 }, { unique: true });
authTokenSchema.index({ sessionId: 1 });
authTokenSchema.index({ agentId: 1 });
authTokenSchema.index({ purgeAt: 1 }, { expireAfterSeconds: 0 });

export type AuthTokenRecord = InferSchemaType<typeof authTokenSchema> & { _id: Types.ObjectId };

export function authTokenModel(connection: Connection): Model<AuthTokenRecord> {
  return (
    (connection.models.AuthToken as Model<AuthTokenRecord> | undefined) ??
    connection.model<AuthTokenRecord>('AuthToken', authTokenSchema)
  );
}
