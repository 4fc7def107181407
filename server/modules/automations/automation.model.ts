import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { AutomationAction, AutomationCondition, AutomationTrigger } from './automation.schemas';

export interface AutomationRuleDoc {
  _id: Types.ObjectId;
  name: string;
  description?: string;
  enabled: boolean;
  order: number;
  trigger: AutomationTrigger;
  conditions: AutomationCondition[];
  actions: AutomationAction[];
  createdBy: string | null;
  updatedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One evaluation of a rule for one trigger occurrence (`key`): the unique index makes it happen once. */
export interface AutomationRunDoc {
  _id: Types.ObjectId;
  ruleId: string;
  key: string;
  conversationId: string;
  outcome: 'running' | 'matched' | 'not_matched' | 'loop_capped' | 'failed';
  actions: string[];
  error?: string;
  at: Date;
}

const ruleSchema = new Schema<AutomationRuleDoc>(
  {
    name: { type: String, required: true, trim: true },
    description: String,
    enabled: { type: Boolean, required: true, default: true },
    order: { type: Number, required: true, default: 100 },
    trigger: { type: Schema.Types.Mixed, required: true },
    // Validated by zod at the API; stored as given.
    conditions: { type: [Schema.Types.Mixed], default: [] } as never,
    actions: { type: [Schema.Types.Mixed], default: [] } as never,
    createdBy: { type: String, default: null },
    updatedBy: { type: String, default: null },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'automations', versionKey: false, minimize: false },
);
ruleSchema.index({ name: 1 }, { unique: true });
ruleSchema.index({ enabled: 1, order: 1 });

const runSchema = new Schema<AutomationRunDoc>(
  {
    ruleId: { type: String, required: true },
    key: { type: String, required: true },
    conversationId: { type: String, required: true },
    outcome: { type: String, required: true },
    actions: { type: [String], default: [] },
    error: String,
    at: { type: Date, required: true },
  },
  { collection: 'automation_runs', versionKey: false },
);
runSchema.index({ ruleId: 1, key: 1 }, { unique: true });
// The loop cap counts a rule's recent runs on a conversation.
runSchema.index({ ruleId: 1, conversationId: 1, at: -1 });

export function automationModels(connection: Connection) {
  return {
    Rules:
      (connection.models.AutomationRule as Model<AutomationRuleDoc> | undefined) ??
      connection.model<AutomationRuleDoc>('AutomationRule', ruleSchema),
    Runs:
      (connection.models.AutomationRun as Model<AutomationRunDoc> | undefined) ??
      connection.model<AutomationRunDoc>('AutomationRun', runSchema),
  };
}

export type AutomationModels = ReturnType<typeof automationModels>;
