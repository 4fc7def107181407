import { Schema, type Connection, type InferSchemaType, type Model, type Types } from 'mongoose';

export const ROLES = ['agent', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const CAPACITY_CHANNELS = ['voice', 'chat', 'messaging', 'email'] as const;
export type CapacityChannel = (typeof CAPACITY_CHANNELS)[number];
export type Capacity = Record<CapacityChannel, number>;

/** What an agent can carry at once when neither the agent nor the team says otherwise (DESIGN §5 routing). */
export const DEFAULT_CAPACITY: Readonly<Capacity> = Object.freeze({
  voice: 1,
  chat: 3,
  messaging: 5,
  email: 10,
});

const capacitySchema = new Schema(
  { voice: Number, chat: Number, messaging: Number, email: Number },
  { _id: false },
);

/**
 * An agent, supervisor or admin. Team membership lives here (`teamIds`) and only here: the principal of
 * every request carries it, and routing asks "agents of team X with skill Y" on one indexed collection.
 * Teams do not store member lists (no second copy to keep in sync without transactions).
 */
const agentSchema = new Schema(
  {
    email: { type: String, required: true, lowercase: true, trim: true },
    name: { type: String, required: true, trim: true },
    passwordHash: { type: String, required: true },
    role: { type: String, enum: ROLES, required: true, default: 'agent' },
    teamIds: { type: [Schema.Types.ObjectId], default: [] },
    skills: { type: [String], default: [] },
    languages: { type: [String], default: [] },
    /** Per-channel overrides of the team's (then the global) defaults. */
    capacity: { type: capacitySchema, default: undefined },
    /** E.164. */
    phone: { type: String, default: undefined },
    active: { type: Boolean, required: true, default: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'agents', versionKey: false },
);
agentSchema.index({ email: 1 }, { unique: true });
agentSchema.index({ teamIds: 1, active: 1 });
agentSchema.index({ role: 1, _id: 1 });

export type AgentRecord = InferSchemaType<typeof agentSchema> & { _id: Types.ObjectId };

const teamSchema = new Schema(
  {
    name: { type: String, required: true, trim: true },
    skills: { type: [String], default: [] },
    /** The team lead: the default owner of the team's complaints. */
    leadId: { type: Schema.Types.ObjectId, default: null },
    supervisorIds: { type: [Schema.Types.ObjectId], default: [] },
    calendarId: { type: Schema.Types.ObjectId, default: null },
    slaPolicyId: { type: Schema.Types.ObjectId, default: null },
    routingStrategy: {
      type: String,
      enum: ['longest-idle', 'least-busy', 'round-robin', 'manual'],
      required: true,
      default: 'longest-idle',
    },
    capacityDefaults: { type: capacitySchema, default: undefined },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'teams', versionKey: false },
);
teamSchema.index({ name: 1 }, { unique: true });
teamSchema.index({ supervisorIds: 1 });

export type TeamRecord = InferSchemaType<typeof teamSchema> & { _id: Types.ObjectId };

export function agentModel(connection: Connection): Model<AgentRecord> {
  return (
    (connection.models.Agent as Model<AgentRecord> | undefined) ??
    connection.model<AgentRecord>('Agent', agentSchema)
  );
}

export function teamModel(connection: Connection): Model<TeamRecord> {
  return (
    (connection.models.Team as Model<TeamRecord> | undefined) ??
    connection.model<TeamRecord>('Team', teamSchema)
  );
}

/** The capacity an agent has per channel: their overrides, then their team's defaults, then the global ones. */
export function effectiveCapacity(
  agent: { capacity?: Partial<Record<CapacityChannel, number | null>> | null },
  team?: { capacityDefaults?: Partial<Record<CapacityChannel, number | null>> | null } | null,
): Capacity {
  const result = { ...DEFAULT_CAPACITY };
  for (const channel of CAPACITY_CHANNELS) {
    const value = agent.capacity?.[channel] ?? team?.capacityDefaults?.[channel];
    if (typeof value === 'number') result[channel] = value;
  }
  return result;
}
