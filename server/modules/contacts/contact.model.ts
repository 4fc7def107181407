import { Schema, type Connection, type InferSchemaType, type Model, type Types } from 'mongoose';

export const CONTACT_TIERS = ['A', 'B', 'C', 'VIP'] as const;
export type ContactTier = (typeof CONTACT_TIERS)[number];

const identitySchema = new Schema(
  {
    channel: { type: String, required: true },
    externalId: { type: String, required: true },
    handle: { type: String, default: undefined },
  },
  { _id: false },
);

const relationshipSchema = new Schema(
  {
    contactId: { type: Schema.Types.ObjectId, default: undefined },
    organizationId: { type: Schema.Types.ObjectId, default: undefined },
    /** Free text: `spouse`, `assistant`, `employee`, `manager`, `referrer`, … */
    kind: { type: String, required: true },
  },
  { _id: false },
);

/**
 * One customer across every channel (DESIGN §4). `identities` carries the channel ids; the unique multikey
 * index on (channel, externalId) is what makes contact resolution race-safe: two concurrent first messages
 * from one sender cannot both create a contact. A merged contact keeps only `mergedInto` (a tombstone that
 * resolves to its target); an erased one keeps its id, tier and dates.
 */
const contactSchema = new Schema(
  {
    name: { type: String, required: true, trim: true },
    emails: { type: [String], default: [] },
    phones: { type: [String], default: [] },
    identities: { type: [identitySchema], default: [] },
    organizationId: { type: Schema.Types.ObjectId, default: null },
    tier: { type: String, enum: [...CONTACT_TIERS, null], default: null },
    rfmSegment: { type: String, default: null },
    tags: { type: [String], default: [] },
    attributes: { type: Schema.Types.Mixed, default: {} },
    /** What channels last wrote into `attributes` (contact-channel-facts.ts: agents' edits win). */
    channelAttributes: { type: Schema.Types.Mixed, default: undefined },
    /** `YYYY-MM-DD`, or `--MM-DD` when the year is unknown (RFC 6350 style). */
    birthday: { type: String, default: null },
    /** `MM-DD`, derived from `birthday`, for the daily birthday-greeting query. */
    birthdayMonthDay: { type: String, default: null },
    locale: { type: String, default: null },
    /** Care (docs/templates-automations-care.md): IANA zone, preferred channel, opt-out, anniversary. */
    timezone: { type: String, default: null },
    preferredChannel: { type: String, default: null },
    careOptOut: { type: Boolean, default: false },
    anniversary: { type: String, default: null },
    anniversaryMonthDay: { type: String, default: null },
    relationships: { type: [relationshipSchema], default: [] },
    mergedInto: { type: Schema.Types.ObjectId, default: null },
    erasingAt: { type: Date, default: null },
    erasedAt: { type: Date, default: null },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'contacts', versionKey: false, minimize: false },
);
// Partial, not sparse: contacts without identities (erased, merged away, created by hand) must not collide
// on a missing key; the filter is implied by every identity lookup (which names a channel).
contactSchema.index(
  { 'identities.channel': 1, 'identities.externalId': 1 },
  { unique: true, partialFilterExpression: { 'identities.channel': { $exists: true } } },
);
contactSchema.index({ emails: 1 });
contactSchema.index({ phones: 1 });
contactSchema.index({ name: 1 });
contactSchema.index({ organizationId: 1 });
contactSchema.index({ 'relationships.contactId': 1 });
contactSchema.index({ 'relationships.organizationId': 1 });
contactSchema.index({ mergedInto: 1 });
contactSchema.index({ tags: 1 });
contactSchema.index({ tier: 1 });
contactSchema.index({ birthdayMonthDay: 1 });
contactSchema.index({ anniversaryMonthDay: 1 });

export type ContactRecord = InferSchemaType<typeof contactSchema> & { _id: Types.ObjectId };
export type ContactIdentity = { channel: string; externalId: string; handle?: string | null };

export function contactModel(connection: Connection): Model<ContactRecord> {
  return (
    (connection.models.Contact as Model<ContactRecord> | undefined) ??
    connection.model<ContactRecord>('Contact', contactSchema)
  );
}

/** A merge in progress or done: the intent is recorded before anything moves (DESIGN §5, no transactions). */
const contactMergeSchema = new Schema(
  {
    /** The source contact's id: a contact is merged away at most once. */
    _id: { type: Schema.Types.ObjectId, required: true },
    targetId: { type: Schema.Types.ObjectId, required: true },
    status: { type: String, enum: ['pending', 'completed'], required: true },
    actorId: { type: Schema.Types.ObjectId, default: null },
    /** What the source held when the merge started; removed on completion (it is personal data). */
    snapshot: { type: Schema.Types.Mixed, default: undefined },
    ownersDone: { type: [String], default: [] },
    startedAt: { type: Date, required: true },
    completedAt: { type: Date, default: null },
  },
  { collection: 'contact_merges', versionKey: false, minimize: false },
);
contactMergeSchema.index({ targetId: 1 });
contactMergeSchema.index({ status: 1, startedAt: 1 });

export type ContactMergeRecord = InferSchemaType<typeof contactMergeSchema>;

export function contactMergeModel(connection: Connection): Model<ContactMergeRecord> {
  return (
    (connection.models.ContactMerge as Model<ContactMergeRecord> | undefined) ??
    connection.model<ContactMergeRecord>('ContactMerge', contactMergeSchema)
  );
}
