import { Schema, type Connection, type InferSchemaType, type Model, type Types } from 'mongoose';

/** The append-only audit trail: who did what to which subject, and when. */
const auditLogSchema = new Schema(
  {
    at: { type: Date, required: true },
    /** Null for anonymous actions (a failed login with an unknown email) and the system itself. */
    actorId: { type: Schema.Types.ObjectId, default: null },
    action: { type: String, required: true },
    subjectType: { type: String, default: null },
    subjectId: { type: String, default: null },
    details: { type: Schema.Types.Mixed, default: undefined },
  },
  { collection: 'audit_log', versionKey: false, minimize: false },
);
auditLogSchema.index({ at: -1, _id: -1 });
auditLogSchema.index({ actorId: 1, at: -1, _id: -1 });
auditLogSchema.index({ subjectType: 1, subjectId: 1, at: -1, _id: -1 });
auditLogSchema.index({ action: 1, at: -1, _id: -1 });

export type AuditLogRecord = InferSchemaType<typeof auditLogSchema> & { _id: Types.ObjectId };

export function auditLogModel(connection: Connection): Model<AuditLogRecord> {
  return (
    (connection.models.AuditLog as Model<AuditLogRecord> | undefined) ??
    connection.model<AuditLogRecord>('AuditLog', auditLogSchema)
  );
}
