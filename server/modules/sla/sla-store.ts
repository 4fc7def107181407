/**
 * Data access of the SLA module. SLA state lives in the conversation's `sla` sub-document (declared
 * non-strict by the conversations module for this purpose): one document holds a conversation and its
 * clock, so every SLA transition is a single-document conditional update and the reports aggregate one
 * collection. Writes go through the driver's collection with `sla.*` paths only, so they never touch
 * fields the conversations module owns. Policies and calendars are this module's own collections.
 */
import { Types, type Connection } from 'mongoose';
import type { Collection, Document } from 'mongodb';
import { ALWAYS_OPEN, type BusinessCalendar } from './business-calendar';
import { calendarModel, toBusinessCalendar, type CalendarDoc } from './sla-calendar.model';
import type { SlaHistoryEvent } from './sla-clock';
import { slaPolicyModel, type SlaPolicyDoc } from './sla-policy.model';
import type { SlaPolicyRules } from './sla-policy-select';
import type { SlaSummary } from './sla-summary';

/** A recorded warning or breach (each key once per conversation). */
export interface SlaFiredEvent {
  key: string;
  kind: 'warning' | 'breach';
  target: string;
  cycle: number;
  dueAt: Date;
  firedAt: Date;
  policyId: string | null;
}

export interface StoredHistoryEvent {
  type: SlaHistoryEvent['type'];
  at: Date;
  ref?: string;
  status?: string;
  human?: boolean;
  public?: boolean;
}

export interface ConversationSla extends Partial<SlaSummary> {
  rev?: number;
  policyId?: string | null;
  policyName?: string | null;
  calendarId?: string | null;
  timezone?: string;
  history?: StoredHistoryEvent[];
  events?: SlaFiredEvent[];
  complaint?: {
    ownerAssignedAt?: Date;
    ackAt?: Date;
    ackMessageId?: string;
    /** The response time the acknowledgement promised (never before it was sent). */
    promisedAt?: Date;
    csatRequestedAt?: Date;
    /** Intake classification of a complaint or suggestion (the seed's urgent / normal / suggestion). */
    classification?: 'urgent' | 'normal' | 'suggestion';
  };
}

/** The conversation fields the SLA module reads (the conversations module owns all but `sla`). */
export interface SlaConversation {
  _id: Types.ObjectId;
  number: number;
  contactId: string;
  contactName?: string;
  contactTier?: string;
  inboxId?: string;
  primaryChannel: string;
  status: string;
  priority: string;
  category: string;
  subject?: string;
  teamId: string | null;
  assigneeId: string | null;
  ownerId: string | null;
  csat?: { score?: number };
  createdAt: Date;
  sla?: ConversationSla;
}

export interface TeamFacts {
  id: string;
  leadId: string | null;
  supervisorIds: string[];
  calendarId: string | null;
  slaPolicyId: string | null;
}

export interface PolicyWithCalendar extends SlaPolicyRules {
  calendar: BusinessCalendar | null;
}

const CONVERSATION_PROJECTION = {
  number: 1,
  contactId: 1,
  contactName: 1,
  contactTier: 1,
  inboxId: 1,
  primaryChannel: 1,
  status: 1,
  priority: 1,
  category: 1,
  subject: 1,
  teamId: 1,
  assigneeId: 1,
  ownerId: 1,
  csat: 1,
  createdAt: 1,
  sla: 1,
};

const CACHE_MS = 10_000;

export function toObjectId(id: string | null | undefined): Types.ObjectId | null {
  return id && /^[0-9a-f]{24}$/i.test(id) ? new Types.ObjectId(id) : null;
}

export function toPolicyRules(doc: SlaPolicyDoc): SlaPolicyRules {
  return {
    id: String(doc._id),
    name: doc.name,
    order: doc.order,
    enabled: doc.enabled,
    isDefault: doc.isDefault,
    conditions: doc.conditions ?? {},
    calendarId: doc.calendarId ?? null,
    targets: doc.targets ?? {},
    warningThreshold: doc.warningThreshold ?? 0.8,
    escalations: doc.escalations ?? [],
  };
}

export function createSlaStore(deps: { connection: Connection; now: () => number }) {
  const { connection } = deps;
  const Policies = slaPolicyModel(connection);
  const Calendars = calendarModel(connection);
  const collection = (name: string): Collection<Document> => {
    if (!connection.db) throw new Error('mongoose connection is not open');
    return connection.db.collection(name);
  };
  let rulesCache: {
    at: number;
    policies: PolicyWithCalendar[];
    calendars: Map<string, BusinessCalendar>;
  } | null = null;
  const teamCache = new Map<string, { at: number; team: TeamFacts | null }>();

  return {
    Policies,
    Calendars,
    conversations: () => collection('conversations'),

    /** Drops cached policies and calendars (after an admin edit). */
    invalidate() {
      rulesCache = null;
      teamCache.clear();
    },

    async getRules() {
      if (rulesCache && deps.now() - rulesCache.at < CACHE_MS) return rulesCache;
      const [policyDocs, calendarDocs] = await Promise.all([
        Policies.find({}).sort({ order: 1 }).limit(1000).lean<SlaPolicyDoc[]>(),
        Calendars.find({}).limit(1000).lean<CalendarDoc[]>(),
      ]);
      const calendars = new Map(calendarDocs.map((doc) => [String(doc._id), toBusinessCalendar(doc)]));
      const policies = policyDocs.map((doc) => ({
        ...toPolicyRules(doc),
        calendar: doc.calendarId ? (calendars.get(doc.calendarId) ?? null) : null,
      }));
      rulesCache = { at: deps.now(), policies, calendars };
      return rulesCache;
    },

    async findConversation(id: string): Promise<SlaConversation | null> {
      const _id = toObjectId(id);
      if (!_id) return null;
      return (await collection('conversations').findOne(
        { _id },
        { projection: CONVERSATION_PROJECTION },
      )) as SlaConversation | null;
    },

    async findMessage(id: string) {
      const _id = toObjectId(id);
      if (!_id) return null;
      return (await collection('messages').findOne(
        { _id },
        {
          projection: {
            conversationId: 1,
            direction: 1,
            kind: 1,
            authorId: 1,
            isAutomated: 1,
            occurredAt: 1,
            text: 1,
          },
        },
      )) as {
        _id: Types.ObjectId;
        conversationId: string;
        direction: string;
        kind: string;
        authorId: string | null;
        isAutomated?: boolean;
        occurredAt: Date;
        text?: string;
      } | null;
    },

    /** The latest public human reply of a conversation (the "result" told to the customer). */
    async findLastHumanReply(conversationId: string): Promise<{ text?: string } | null> {
      return (await collection('messages').findOne(
        {
          conversationId,
          direction: 'outbound',
          kind: 'message',
          isAutomated: { $ne: true },
          authorId: { $ne: null },
        },
        { sort: { occurredAt: -1, seq: -1 }, projection: { text: 1 } },
      )) as { text?: string } | null;
    },

    async findTeam(id: string | null): Promise<TeamFacts | null> {
      if (!id) return null;
      const cached = teamCache.get(id);
      if (cached && deps.now() - cached.at < CACHE_MS) return cached.team;
      const _id = toObjectId(id);
      const doc = _id
        ? await collection('teams').findOne(
            { _id },
            { projection: { leadId: 1, supervisorIds: 1, calendarId: 1, slaPolicyId: 1 } },
          )
        : null;
      // ObjectIds (and strings) stringify to their hex form.
      const str = (value: { toString(): string } | null | undefined) =>
        value === null || value === undefined ? null : value.toString();
      const team: TeamFacts | null = doc
        ? {
            id,
            leadId: str(doc.leadId as Types.ObjectId | null),
            supervisorIds: ((doc.supervisorIds as unknown[] | undefined) ?? []).map(String),
            calendarId: str(doc.calendarId as Types.ObjectId | null),
            slaPolicyId: str(doc.slaPolicyId as Types.ObjectId | null),
          }
        : null;
      teamCache.set(id, { at: deps.now(), team });
      return team;
    },

    /** The text of a conversation's first customer message (complaint classification). */
    async findFirstInboundText(conversationId: string): Promise<string> {
      const doc = (await collection('messages').findOne(
        { conversationId, direction: 'inbound' },
        { sort: { seq: 1 }, projection: { text: 1, subject: 1, 'call.transcription': 1 } },
      )) as { text?: string; subject?: string; call?: { transcription?: string } } | null;
      return [doc?.subject, doc?.text, doc?.call?.transcription].filter(Boolean).join('\n');
    },

    async findAgents(ids: string[]): Promise<{ id: string; name: string; email: string; active: boolean }[]> {
      const objectIds = ids.map(toObjectId).filter((id): id is Types.ObjectId => id !== null);
      if (objectIds.length === 0) return [];
      const docs = await collection('agents')
        .find({ _id: { $in: objectIds } }, { projection: { name: 1, email: 1, active: 1 } })
        .limit(100)
        .toArray();
      return docs.map((doc) => ({
        id: String(doc._id),
        name: String(doc.name ?? ''),
        email: String(doc.email ?? ''),
        active: doc.active !== false,
      }));
    },

    async findTeamNames(ids: string[]): Promise<{ id: string; name: string }[]> {
      const objectIds = ids.map(toObjectId).filter((id): id is Types.ObjectId => id !== null);
      if (objectIds.length === 0) return [];
      const docs = await collection('teams')
        .find({ _id: { $in: objectIds } }, { projection: { name: 1 } })
        .limit(1000)
        .toArray();
      return docs.map((doc) => ({ id: String(doc._id), name: String(doc.name ?? '') }));
    },

    async findContact(id: string): Promise<{ name?: string; locale?: string; tier?: string } | null> {
      const _id = toObjectId(id);
      if (!_id) return null;
      return (await collection('contacts').findOne(
        { _id },
        { projection: { name: 1, locale: 1, tier: 1 } },
      )) as { name?: string; locale?: string; tier?: string } | null;
    },
  };
}

export type SlaStore = ReturnType<typeof createSlaStore>;

/** The calendar a conversation's clock runs on: the policy's, else its team's, else around the clock. */
export function resolveCalendar(
  policy: PolicyWithCalendar,
  team: TeamFacts | null,
  calendars: Map<string, BusinessCalendar>,
): { calendar: BusinessCalendar; calendarId: string | null } {
  if (policy.calendar) return { calendar: policy.calendar, calendarId: policy.calendarId };
  const teamCalendar = team?.calendarId ? calendars.get(team.calendarId) : undefined;
  if (teamCalendar) return { calendar: teamCalendar, calendarId: team!.calendarId };
  return { calendar: ALWAYS_OPEN, calendarId: null };
}
