import { Schema, type Connection, type InferSchemaType, type Model, type Types } from 'mongoose';

/** An organization ("往来单位"): a company, branch or department contacts belong to. */
const organizationSchema = new Schema(
  {
    name: { type: String, required: true, trim: true },
    parentId: { type: Schema.Types.ObjectId, default: null },
    relationships: {
      type: [
        new Schema(
          {
            organizationId: { type: Schema.Types.ObjectId, required: true },
            kind: { type: String, required: true },
          },
          { _id: false },
        ),
      ],
      default: [],
    },
    tags: { type: [String], default: [] },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'organizations', versionKey: false },
);
organizationSchema.index({ name: 1 });
organizationSchema.index({ parentId: 1 });
organizationSchema.index({ 'relationships.organizationId': 1 });
organizationSchema.index({ tags: 1 });

export type OrganizationRecord = InferSchemaType<typeof organizationSchema> & { _id: Types.ObjectId };

export function organizationModel(connection: Connection): Model<OrganizationRecord> {
  return (
    (connection.models.Organization as Model<OrganizationRecord> | undefined) ??
    connection.model<OrganizationRecord>('Organization', organizationSchema)
  );
}
