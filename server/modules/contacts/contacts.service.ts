import { isDuplicateKeyError } from '../../infra/mongo-errors';
import { trusted, Types, type Connection } from 'mongoose';
import type { SenderIdentity } from '../../../connectors/channel';
import { AppError } from '../../lib/app-error';
import type { DomainEvents } from '../../domain-events';
import type { Clock } from '../../lib/clock';
import type { EventBus } from '../../lib/event-bus';
import type { Logger } from '../../lib/logger';
import { decodeIdCursor, encodeIdCursor, escapeRegExp, toPage, type Page } from '../agents';
import { contactModel, type ContactRecord } from './contact.model';
import { birthdayMonthDay, toContactView, type ContactView } from './contact-view';
import { organizationModel } from './organization.model';
import { looksLikePhone, normalizeEmail, normalizePhone } from './phone';

/** Channels whose sender id is a phone number. */
const PHONE_CHANNELS = new Set(['sms', 'whatsapp', 'voice']);
const MAX_MERGE_HOPS = 10;
const MAX_RESOLVE_ATTEMPTS = 5;

export interface ResolveContactInput {
  channel: string;
  sender: SenderIdentity;
}

/** A resolution: the contact, whether it was created, and its display facts as resolution read them. */
export interface ResolvedSender {
  contactId: string;
  created: boolean;
  /** Name and tier of the resolved record (ingest's list-row snapshot without reading it again). */
  profile: { name: string; tier?: string };
}

const profileOf = (doc: { name?: string | null; tier?: string | null }): ResolvedSender['profile'] => ({
  name: doc.name ?? '',
  ...(typeof doc.tier === 'string' && doc.tier ? { tier: doc.tier } : {}),
});

export interface ContactUpdate {
  name?: string;
  tier?: 'A' | 'B' | 'C' | 'VIP' | null;
  rfmSegment?: string | null;
  tags?: string[];
  attributes?: Record<string, unknown>;
  organizationId?: string | null;
  birthday?: string | null;
  locale?: string | null;
  timezone?: string | null;
  preferredChannel?: string | null;
  careOptOut?: boolean;
  anniversary?: string | null;
  emails?: string[];
  phones?: string[];
}

const oid = (id: string) => new Types.ObjectId(id);

/** The query for "the contact holding this channel identity" (it implies the unique index's partial filter). */
export function identityFilter(channel: string, externalId: string) {
  return { 'identities.channel': channel, identities: trusted({ $elemMatch: { channel, externalId } }) };
}

/**
 * Contacts: resolution from channel identities, reads, search, edits and relationships. Merge, export and
 * erasure live in their own files and use `followMerges` and the models from here.
 */
export function createContactsCore(deps: {
  connection: Connection;
  clock: Clock;
  logger: Logger;
  /** Hears `contact.created` when resolution makes a new contact. */
  events?: EventBus<DomainEvents>;
}) {
  const Contact = contactModel(deps.connection);
  const Organization = organizationModel(deps.connection);
  const { clock } = deps;

  /** The live contact a (possibly merged-away) contact stands for. */
  async function followMerges(doc: ContactRecord): Promise<ContactRecord> {
    let current = doc;
    for (let hop = 0; current.mergedInto && hop < MAX_MERGE_HOPS; hop++) {
      const next = await Contact.findById(current.mergedInto).lean<ContactRecord>();
      if (!next) break;
      current = next;
    }
    return current;
  }

  async function findByIdentity(channel: string, externalId: string): Promise<ContactRecord | null> {
    return Contact.findOne(identityFilter(channel, externalId)).lean<ContactRecord>();
  }

  /** A live contact (not merged away, not erased) holding `field = value`, oldest first. */
  async function findLiveBy(field: 'emails' | 'phones', value: string): Promise<ContactRecord | null> {
    return Contact.findOne({ [field]: value, mergedInto: null, erasedAt: null })
      .sort({ _id: 1 })
      .lean<ContactRecord>();
  }

  /**
   * The read half of resolution, without writing: the contact holding the channel identity (followed
   * through merges), else the live contact with the sender's email, then phone. Resolution and the
   * import dry run both use it, so a preview decides exactly as ingest will.
   */
  async function lookupResolution(input: ResolveContactInput) {
    const { channel, sender } = input;
    const externalId = sender.externalId;
    const email = normalizeEmail(sender.email ?? (channel === 'email' ? externalId : ''));
    const phone = normalizePhone(sender.phone ?? (PHONE_CHANNELS.has(channel) ? externalId : ''));
    const byIdentity = await findByIdentity(channel, externalId);
    if (byIdentity) return { byIdentity: await followMerges(byIdentity), match: null, email, phone };
    const match =
      (email && (await findLiveBy('emails', email))) ||
      (phone && (await findLiveBy('phones', phone))) ||
      null;
    return { byIdentity: null, match, email, phone };
  }

  async function attemptResolve(input: ResolveContactInput): Promise<ResolvedSender | null> {
    const { channel, sender } = input;
    const externalId = sender.externalId;
    const { byIdentity, match, email, phone } = await lookupResolution(input);
    if (byIdentity)
      return { contactId: byIdentity._id.toHexString(), created: false, profile: profileOf(byIdentity) };

    const identity = { channel, externalId, ...(sender.handle ? { handle: sender.handle } : {}) };
    if (match) {
      // Attach the new identity; the unique index refuses it if a concurrent resolver attached it elsewhere.
      const addToSet: Record<string, unknown> = {};
      if (email) addToSet.emails = email;
      if (phone) addToSet.phones = phone;
      const result = await Contact.updateOne(
        {
          _id: match._id,
          mergedInto: null,
          identities: trusted({ $not: { $elemMatch: { channel, externalId } } }),
        },
        { $push: { identities: identity }, $addToSet: addToSet, $set: { updatedAt: clock.now() } },
      );
      return result.modifiedCount === 1
        ? { contactId: match._id.toHexString(), created: false, profile: profileOf(match) }
        : null;
    }

    const now = clock.now();
    const created = await Contact.create({
      name: sender.name?.trim() || sender.handle || email || phone || externalId,
      emails: email ? [email] : [],
      phones: phone ? [phone] : [],
      identities: [identity],
      createdAt: now,
      updatedAt: now,
    });
    return { contactId: created._id.toHexString(), created: true, profile: profileOf(created) };
  }

  /**
   * The contact an inbound sender is: by channel identity, then email, then phone (adding the channel
   * identity to a contact found by email or phone), else a new contact. Race-safe: the unique identity
   * index lets only one concurrent resolver attach or create an identity; the others retry the lookup
   * and find the winner. A merged-away contact resolves to its target.
   */
  async function resolveSender(input: ResolveContactInput): Promise<ResolvedSender> {
    if (!input.channel || !input.sender.externalId)
      throw new AppError('INVALID_INPUT', { userMessage: 'A sender needs a channel and an external id.' });
    for (let attempt = 1; ; attempt++) {
      try {
        const resolved = await attemptResolve(input);
        if (resolved?.created)
          await deps.events?.emit('contact.created', {
            contactId: resolved.contactId,
            channel: input.channel,
          });
        if (resolved) return resolved;
      } catch (error) {
        if (!isDuplicateKeyError(error) || attempt >= MAX_RESOLVE_ATTEMPTS) throw error;
      }
      if (attempt >= MAX_RESOLVE_ATTEMPTS)
        throw new AppError('CONFLICT', {
          message: `could not resolve contact for ${input.channel} sender`,
        });
    }
  }

  async function getRecord(id: string): Promise<ContactRecord> {
    if (!Types.ObjectId.isValid(id)) throw new AppError('NOT_FOUND', { userMessage: 'No such contact.' });
    const doc = await Contact.findById(oid(id)).lean<ContactRecord>();
    if (!doc) throw new AppError('NOT_FOUND', { userMessage: 'No such contact.' });
    return doc;
  }

  async function assertOrganizationExists(id: string): Promise<void> {
    if (!(await Organization.exists({ _id: oid(id) })))
      throw new AppError('INVALID_INPUT', { userMessage: 'Unknown organization.' });
  }

  return {
    Contact,
    followMerges,
    getRecord,

    resolveSender,

    /** {@link resolveSender} without the profile. */
    resolveContact: async (input: ResolveContactInput): Promise<{ contactId: string; created: boolean }> => {
      const { contactId, created } = await resolveSender(input);
      return { contactId, created };
    },

    /** The contact `resolveContact` would pick for this sender, or null when it would create one; writes nothing. */
    previewResolveContact: async (input: ResolveContactInput): Promise<{ contactId: string | null }> => {
      const { byIdentity, match } = await lookupResolution(input);
      const found = byIdentity ?? match;
      return { contactId: found ? found._id.toHexString() : null };
    },

    getContact: async (id: string): Promise<ContactView> => {
      return toContactView(await getRecord(id));
    },

    findContact: async (id: string): Promise<ContactView | null> => {
      if (!Types.ObjectId.isValid(id)) return null;
      const doc = await Contact.findById(oid(id)).lean<ContactRecord>();
      return doc ? toContactView(doc) : null;
    },

    /** Several contacts by id, in one query (for lists that show contact names). */
    findContacts: async (ids: string[]): Promise<ContactView[]> => {
      const valid = [...new Set(ids)].filter((id) => Types.ObjectId.isValid(id)).slice(0, 500);
      if (!valid.length) return [];
      const docs = await Contact.find({ _id: trusted({ $in: valid.map(oid) }) }).lean<ContactRecord[]>();
      return docs.map(toContactView);
    },

    toView: toContactView,

    /**
     * Search by name (case-insensitive substring), email (prefix) or phone (exact E.164 after
     * normalisation); merged-away and erased contacts are left out. Newest first, by cursor.
     */
    searchContacts: async (filter: {
      q?: string;
      cursor?: string;
      limit: number;
    }): Promise<Page<ContactView>> => {
      const query: Record<string, unknown> = { mergedInto: null, erasedAt: null };
      const q = filter.q?.trim();
      if (q) {
        const phone = looksLikePhone(q) ? normalizePhone(q) : null;
        const pattern = new RegExp(escapeRegExp(q), 'i');
        query.$or = [
          { name: pattern },
          { emails: new RegExp(`^${escapeRegExp(q.toLowerCase())}`) },
          ...(phone
            ? [{ phones: phone }]
            : [{ phones: new RegExp(escapeRegExp(q.replace(/[\s().-]/g, ''))) }]),
        ];
      }
      if (filter.cursor) query._id = trusted({ $lt: decodeIdCursor(filter.cursor) });
      const docs = await Contact.find(query)
        .sort({ _id: -1 })
        .limit(filter.limit + 1)
        .lean<ContactRecord[]>();
      return toPage(docs, filter.limit, toContactView, (doc) => encodeIdCursor(doc._id));
    },

    /**
     * Live contacts whose date `field` (`birthday`, `anniversary` or `attributes.<name>`) falls on one of
     * `monthDays` (`MM-DD`), in id order after `afterId` (the care and automation date sweeps).
     */
    findContactsByDate: async (input: {
      field: string;
      monthDays: string[];
      afterId?: string | null;
      limit: number;
    }): Promise<ContactView[]> => {
      const query: Record<string, unknown> = { mergedInto: null, erasedAt: null };
      if (input.field === 'birthday' || input.field === 'anniversary')
        query[`${input.field}MonthDay`] = trusted({ $in: input.monthDays });
      else if (/^attributes\.[A-Za-z0-9_]{1,40}$/.test(input.field))
        query[input.field] = trusted({
          $in: input.monthDays.map((day) => new RegExp(`^(\\d{4}|-)-${escapeRegExp(day)}$`)),
        });
      else throw new AppError('INVALID_INPUT', { message: `not a date field: ${input.field}` });
      if (input.afterId) query._id = trusted({ $gt: oid(input.afterId) });
      const docs = await Contact.find(query).sort({ _id: 1 }).limit(input.limit).lean<ContactRecord[]>();
      return docs.map(toContactView);
    },

    /** Live contacts of the given tiers, in id order after `afterId` (re-engagement). */
    listContactsByTier: async (input: {
      tiers: string[];
      afterId?: string | null;
      limit: number;
    }): Promise<ContactView[]> => {
      const query: Record<string, unknown> = {
        mergedInto: null,
        erasedAt: null,
        tier: trusted({ $in: input.tiers }),
      };
      if (input.afterId) query._id = trusted({ $gt: oid(input.afterId) });
      const docs = await Contact.find(query).sort({ _id: 1 }).limit(input.limit).lean<ContactRecord[]>();
      return docs.map(toContactView);
    },

    updateContact: async (id: string, update: ContactUpdate): Promise<ContactView> => {
      const current = await getRecord(id);
      if (current.erasedAt || current.mergedInto)
        throw new AppError('CONFLICT', { userMessage: 'This contact was merged or erased.' });
      const set: Record<string, unknown> = { updatedAt: clock.now() };
      for (const key of [
        'name',
        'tier',
        'rfmSegment',
        'tags',
        'attributes',
        'locale',
        'timezone',
        'preferredChannel',
        'careOptOut',
      ] as const)
        if (update[key] !== undefined) set[key] = update[key];
      if (update.anniversary !== undefined) {
        set.anniversary = update.anniversary;
        set.anniversaryMonthDay = birthdayMonthDay(update.anniversary);
      }
      if (update.birthday !== undefined) {
        set.birthday = update.birthday;
        set.birthdayMonthDay = birthdayMonthDay(update.birthday);
      }
      if (update.organizationId !== undefined) {
        if (update.organizationId) await assertOrganizationExists(update.organizationId);
        set.organizationId = update.organizationId ? oid(update.organizationId) : null;
      }
      if (update.emails !== undefined) set.emails = [...new Set(update.emails)];
      if (update.phones !== undefined) set.phones = [...new Set(update.phones)];
      const doc = await Contact.findOneAndUpdate(
        { _id: current._id, mergedInto: null, erasedAt: null },
        { $set: set },
        { returnDocument: 'after' },
      ).lean<ContactRecord>();
      if (!doc) throw new AppError('CONFLICT', { userMessage: 'This contact was merged or erased.' });
      return toContactView(doc);
    },

    addRelationship: async (
      id: string,
      relation: { contactId?: string; organizationId?: string; kind: string },
    ): Promise<ContactView> => {
      const current = await getRecord(id);
      if (relation.contactId) {
        if (relation.contactId === id)
          throw new AppError('INVALID_INPUT', { userMessage: 'A contact cannot relate to itself.' });
        await getRecord(relation.contactId);
      }
      if (relation.organizationId) await assertOrganizationExists(relation.organizationId);
      const entry = {
        ...(relation.contactId ? { contactId: oid(relation.contactId) } : {}),
        ...(relation.organizationId ? { organizationId: oid(relation.organizationId) } : {}),
        kind: relation.kind,
      };
      const doc = await Contact.findOneAndUpdate(
        { _id: current._id },
        { $addToSet: { relationships: entry }, $set: { updatedAt: clock.now() } },
        { returnDocument: 'after' },
      ).lean<ContactRecord>();
      return toContactView(doc ?? current);
    },

    removeRelationship: async (
      id: string,
      relation: { contactId?: string; organizationId?: string; kind?: string },
    ): Promise<ContactView> => {
      const current = await getRecord(id);
      const match: Record<string, unknown> = {};
      if (relation.contactId) match.contactId = oid(relation.contactId);
      if (relation.organizationId) match.organizationId = oid(relation.organizationId);
      if (relation.kind) match.kind = relation.kind;
      const doc = await Contact.findOneAndUpdate(
        { _id: current._id },
        { $pull: { relationships: match }, $set: { updatedAt: clock.now() } },
        { returnDocument: 'after' },
      ).lean<ContactRecord>();
      return toContactView(doc ?? current);
    },
  };
}

export type ContactsCore = ReturnType<typeof createContactsCore>;
