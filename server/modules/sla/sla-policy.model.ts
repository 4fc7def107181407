import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { EscalationStep, SlaConditions, SlaTargetName } from './sla-policy-select';

/**
 * An SLA policy (DESIGN §4 `sla_policies`): conditions, order, targets in business minutes on a calendar,
 * the warning threshold and escalation steps. Escalation steps are validated by zod at the API and stored
 * as given.
 */
export const slaPolicySchema = new Schema(
  {
    name: { type: String, required: true, trim: true },
    description: String,
    order: { type: Number, required: true, default: 100 },
    enabled: { type: Boolean, required: true, default: true },
    isDefault: { type: Boolean, required: true, default: false },
    conditions: {
      type: new Schema(
        {
          categories: [String],
          priorities: [String],
          tiers: [String],
          channels: [String],
          teamIds: [String],
        },
        { _id: false },
      ),
      default: () => ({}),
    },
    calendarId: { type: String, default: null },
    targets: {
      type: new Schema({ firstResponse: Number, nextResponse: Number, resolution: Number }, { _id: false }),
      default: () => ({}),
    },
    warningThreshold: { type: Number, required: true, default: 0.8, min: 0.05, max: 0.99 },
    escalations: { type: [Schema.Types.Mixed], default: [] },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'sla_policies', versionKey: false, minimize: false },
);
slaPolicySchema.index({ name: 1 }, { unique: true });
slaPolicySchema.index({ enabled: 1, order: 1 });

export interface SlaPolicyDoc {
  _id: Types.ObjectId;
  name: string;
  description?: string;
  order: number;
  enabled: boolean;
  isDefault: boolean;
  conditions: SlaConditions;
  calendarId: string | null;
  targets: Partial<Record<SlaTargetName, number>>;
  warningThreshold: number;
  escalations: EscalationStep[];
  createdAt: Date;
  updatedAt: Date;
}

export type SlaPolicyModel = Model<SlaPolicyDoc>;

export function slaPolicyModel(connection: Connection): SlaPolicyModel {
  return (
    (connection.models.SlaPolicy as SlaPolicyModel | undefined) ??
    connection.model<SlaPolicyDoc>('SlaPolicy', slaPolicySchema)
  );
}
