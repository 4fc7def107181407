import { Schema, type Connection, type Model } from 'mongoose';

export const PRESENCE_STATUSES = ['online', 'away', 'offline'] as const;
export type PresenceStatusValue = (typeof PRESENCE_STATUSES)[number];

/**
 * An agent's routing state, shared by every hub process: presence, the sockets that keep it (per process,
 * so a dead process's sockets can be told apart), and the load per capacity class. Load is changed only by
 * atomic `$inc`s: a reservation is `$inc` guarded by `load.<class> < capacity`, so two processes can never
 * push an agent over capacity together.
 */
export interface PresenceDoc {
  _id: string; // agent id
  status: PresenceStatusValue;
  sockets: string[]; // `<processId>:<socketId>`
  load: { voice: number; chat: number; messaging: number; email: number };
  idleSince: Date;
  lastOfferedAt: Date | null;
  consecutiveExpiries: number;
  disconnectedAt: Date | null;
  updatedAt: Date;
}

const presenceSchema = new Schema<PresenceDoc>(
  {
    _id: { type: String, required: true },
    status: { type: String, enum: PRESENCE_STATUSES, required: true, default: 'offline' },
    sockets: { type: [String], default: [] },
    load: {
      voice: { type: Number, default: 0 },
      chat: { type: Number, default: 0 },
      messaging: { type: Number, default: 0 },
      email: { type: Number, default: 0 },
    },
    idleSince: { type: Date, required: true },
    lastOfferedAt: { type: Date, default: null },
    consecutiveExpiries: { type: Number, default: 0 },
    disconnectedAt: { type: Date, default: null },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'agent_presence', versionKey: false },
);
presenceSchema.index({ status: 1 });

export const OFFER_STATUSES = ['pending', 'accepted', 'declined', 'expired', 'revoked'] as const;
export type OfferStatus = (typeof OFFER_STATUSES)[number];

/** One reservation (TaskRouter's word): a conversation offered to one agent until it expires. */
export interface OfferDoc {
  _id: string; // offer id
  conversationId: string;
  agentId: string;
  teamId: string | null;
  capacityClass: string;
  status: OfferStatus;
  createdAt: Date;
  expiresAt: Date;
  closedAt: Date | null;
}

const offerSchema = new Schema<OfferDoc>(
  {
    _id: { type: String, required: true },
    conversationId: { type: String, required: true },
    agentId: { type: String, required: true },
    teamId: { type: String, default: null },
    capacityClass: { type: String, required: true },
    status: { type: String, enum: OFFER_STATUSES, required: true, default: 'pending' },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    closedAt: { type: Date, default: null },
  },
  { collection: 'routing_offers', versionKey: false },
);
offerSchema.index({ status: 1, expiresAt: 1 });
offerSchema.index({ agentId: 1, status: 1 });
offerSchema.index({ conversationId: 1, createdAt: -1 });
// Settled offers are history; keep a week of it.
offerSchema.index(
  { closedAt: 1 },
  { expireAfterSeconds: 7 * 24 * 3600, partialFilterExpression: { closedAt: { $type: 'date' } } },
);

/**
 * Every load change with the agent's load right after it, as the atomic update returned it: the audit
 * trail that proves no agent ever went over capacity, across any number of processes.
 */
export interface RoutingLogDoc {
  at: Date;
  agentId: string;
  conversationId: string;
  kind: 'reserved' | 'released' | 'assigned' | 'held';
  capacityClass: string;
  loadAfter: number;
  capacity: number | null;
}

const routingLogSchema = new Schema<RoutingLogDoc>(
  {
    at: { type: Date, required: true },
    agentId: { type: String, required: true },
    conversationId: { type: String, required: true },
    kind: { type: String, required: true },
    capacityClass: { type: String, required: true },
    loadAfter: { type: Number, required: true },
    capacity: { type: Number, default: null },
  },
  { collection: 'routing_log', versionKey: false },
);
routingLogSchema.index({ at: 1 }, { expireAfterSeconds: 3 * 24 * 3600 });
routingLogSchema.index({ conversationId: 1, at: 1 });

export function defineRoutingModels(connection: Connection) {
  const get = <T>(name: string, schema: Schema<T>): Model<T> =>
    (connection.models[name] as Model<T> | undefined) ?? connection.model<T>(name, schema);
  return {
    Presence: get('AgentPresence', presenceSchema),
    Offer: get('RoutingOffer', offerSchema),
    RoutingLog: get('RoutingLog', routingLogSchema),
  };
}

export type RoutingModels = ReturnType<typeof defineRoutingModels>;
