import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { API_TOKEN_SCOPES } from './api-token-scopes';

/**
 * Integration API tokens: made by an admin with a name, scopes and an optional expiry; the secret is shown
 * once and stored only as its sha256. Revocation is a timestamp (the row stays for the audit trail).
 */
/** Written out rather than inferred (InferSchemaType), which is costly for the type checker. */
export interface ApiTokenRecord {
  _id: Types.ObjectId;
  name: string;
  hash: string;
  hint: string;
  scopes: string[];
  createdBy: Types.ObjectId;
  createdAt: Date;
  expiresAt?: Date | null;
  revokedAt?: Date | null;
  lastUsedAt?: Date | null;
}

const apiTokenSchema = new Schema<ApiTokenRecord>(
  {
    name: { type: String, required: true },
    hash: { type: String, required: true },
    /** The first characters of the secret, so an admin can tell tokens apart (`ohk_AbCd…`). */
    hint: { type: String, required: true },
    scopes: { type: [{ type: String, enum: API_TOKEN_SCOPES }], required: true },
    /** The admin who made it; requests made with the token act as this agent. */
    createdBy: { type: Schema.Types.ObjectId, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, default: null },
    revokedAt: { type: Date, default: null },
    lastUsedAt: { type: Date, default: null },
  },
  { collection: 'api_tokens', versionKey: false },
);
apiTokenSchema.index({ hash: 1 }, { unique: true });
apiTokenSchema.index({ createdAt: -1, _id: -1 });

export function apiTokenModel(connection: Connection): Model<ApiTokenRecord> {
  return (
    (connection.models.ApiToken as Model<ApiTokenRecord> | undefined) ??
    connection.model<ApiTokenRecord>('ApiToken', apiTokenSchema)
  );
}
