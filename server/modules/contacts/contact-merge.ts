import { trusted, Types, type Connection } from 'mongoose';
import type { DomainEvents } from '../../domain-events';
import { AppError } from '../../lib/app-error';
import type { Clock } from '../../lib/clock';
import type { EventBus } from '../../lib/event-bus';
import type { Logger } from '../../lib/logger';
import { isDuplicateKeyError } from '../../infra/mongo-errors';
import type { AuditService } from '../agents';
import {
  contactMergeModel,
  type ContactIdentity,
  type ContactMergeRecord,
  type ContactRecord,
} from './contact.model';
import { toContactView, type ContactView } from './contact-view';
import type { ContactsCore } from './contacts.service';
import type { ContactDataOwner } from './data-owners';

/** What the source held when the merge started: the merge moves exactly this, however often it runs. */
interface MergeSnapshot {
  identities: ContactIdentity[];
  emails: string[];
  phones: string[];
  tags: string[];
  relationships: { contactId?: Types.ObjectId; organizationId?: Types.ObjectId; kind: string }[];
  attributes: Record<string, unknown>;
  organizationId: Types.ObjectId | null;
  birthday: string | null;
  birthdayMonthDay: string | null;
  locale: string | null;
  tier: string | null;
  rfmSegment: string | null;
}

export interface MergeResult {
  status: 'completed';
  /** True when the merge had already completed before this call (nothing changed). */
  alreadyMerged: boolean;
  source: ContactView;
  target: ContactView;
}

const TIER_RANK: Record<string, number> = { VIP: 4, A: 3, B: 2, C: 1 };

function snapshotOf(doc: ContactRecord): MergeSnapshot {
  return {
    identities: (doc.identities ?? []).map((i) => ({
      channel: i.channel,
      externalId: i.externalId,
      ...(i.handle ? { handle: i.handle } : {}),
    })),
    emails: doc.emails ?? [],
    phones: doc.phones ?? [],
    tags: doc.tags ?? [],
    relationships: (doc.relationships ?? []).map((r) => ({
      ...(r.contactId ? { contactId: r.contactId } : {}),
      ...(r.organizationId ? { organizationId: r.organizationId } : {}),
      kind: r.kind,
    })),
    attributes: (doc.attributes as Record<string, unknown> | null) ?? {},
    organizationId: doc.organizationId ?? null,
    birthday: doc.birthday ?? null,
    birthdayMonthDay: doc.birthdayMonthDay ?? null,
    locale: doc.locale ?? null,
    tier: doc.tier ?? null,
    rfmSegment: doc.rfmSegment ?? null,
  };
}

/**
 * Contact merge without transactions (DESIGN §5): the intent (with a snapshot of what moves) is recorded
 * first, keyed by the source id; every step is idempotent; the intent completes last. Running a merge
 * again, or after a crash half-way, finishes it and changes nothing more.
 */
export function createContactMerge(deps: {
  connection: Connection;
  core: ContactsCore;
  owners: () => ContactDataOwner[];
  clock: Clock;
  logger: Logger;
  audit: AuditService;
  events: EventBus<DomainEvents>;
}) {
  const { Contact } = deps.core;
  const ContactMerge = contactMergeModel(deps.connection);
  const { clock, logger } = deps;

  async function moveIdentities(
    sourceId: Types.ObjectId,
    targetId: Types.ObjectId,
    identities: ContactIdentity[],
  ) {
    for (const identity of identities) {
      const { channel, externalId } = identity;
      // Off the source first (the unique index allows an identity on one contact only), then onto the target.
      await Contact.updateOne({ _id: sourceId }, { $pull: { identities: { channel, externalId } } });
      try {
        await Contact.updateOne(
          { _id: targetId, identities: trusted({ $not: { $elemMatch: { channel, externalId } } }) },
          { $push: { identities: identity } },
        );
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        // A new message from this sender created a contact in the instant the identity was on neither.
        logger.warn(
          { channel, sourceId: String(sourceId) },
          'merge: identity claimed by another contact meanwhile',
        );
      }
    }
  }

  async function fillTarget(targetId: Types.ObjectId, snapshot: MergeSnapshot) {
    const target = await Contact.findById(targetId).lean<ContactRecord>();
    if (!target) throw new AppError('NOT_FOUND', { userMessage: 'No such target contact.' });
    const set: Record<string, unknown> = { updatedAt: clock.now() };
    for (const field of ['organizationId', 'birthday', 'birthdayMonthDay', 'locale', 'rfmSegment'] as const)
      if (target[field] == null && snapshot[field] != null) set[field] = snapshot[field];
    if ((TIER_RANK[snapshot.tier ?? ''] ?? 0) > (TIER_RANK[target.tier ?? ''] ?? 0)) set.tier = snapshot.tier;
    const targetAttributes = (target.attributes as Record<string, unknown> | null) ?? {};
    for (const [key, value] of Object.entries(snapshot.attributes))
      if (!(key in targetAttributes) && !key.includes('.') && !key.startsWith('$'))
        set[`attributes.${key}`] = value;
    const relationships = snapshot.relationships.filter((r) => !r.contactId?.equals(targetId));
    await Contact.updateOne(
      { _id: targetId },
      {
        $set: set,
        $addToSet: {
          emails: { $each: snapshot.emails },
          phones: { $each: snapshot.phones },
          tags: { $each: snapshot.tags },
          relationships: { $each: relationships },
        },
      },
    );
  }

  async function run(intent: ContactMergeRecord): Promise<void> {
    const sourceId = intent._id;
    const targetId = intent.targetId;
    // Stored as Mixed: read defensively (empty objects and arrays may not survive storage).
    const stored = intent.snapshot as Partial<MergeSnapshot> | undefined;
    const snapshot: MergeSnapshot | undefined = stored && {
      identities: stored.identities ?? [],
      emails: stored.emails ?? [],
      phones: stored.phones ?? [],
      tags: stored.tags ?? [],
      relationships: stored.relationships ?? [],
      attributes: stored.attributes ?? {},
      organizationId: stored.organizationId ?? null,
      birthday: stored.birthday ?? null,
      birthdayMonthDay: stored.birthdayMonthDay ?? null,
      locale: stored.locale ?? null,
      tier: stored.tier ?? null,
      rfmSegment: stored.rfmSegment ?? null,
    };
    // 1. The source now resolves to the target: new events land on the target from here on.
    await Contact.updateOne(
      { _id: sourceId, mergedInto: trusted({ $in: [null, targetId] }) },
      { $set: { mergedInto: targetId, updatedAt: clock.now() } },
    );
    if (snapshot) {
      // 2. Emails and phones before identities, so a resolver that misses an identity in transit finds the target by them.
      await fillTarget(targetId, snapshot);
      await moveIdentities(sourceId, targetId, snapshot.identities);
    }
    // 3. References from other contacts, older tombstones, and the target's relation to its own source.
    await Contact.updateMany(
      { 'relationships.contactId': sourceId },
      { $set: { 'relationships.$[r].contactId': targetId } },
      { arrayFilters: [{ 'r.contactId': sourceId }] },
    );
    await Contact.updateOne({ _id: targetId }, { $pull: { relationships: { contactId: targetId } } });
    await Contact.updateMany({ mergedInto: sourceId }, { $set: { mergedInto: targetId } });
    // 4. Every module that keeps data about contacts moves its references.
    for (const owner of deps.owners()) {
      if (intent.ownersDone?.includes(owner.name)) continue;
      await owner.moveContact(String(sourceId), String(targetId));
      await ContactMerge.updateOne({ _id: sourceId }, { $addToSet: { ownersDone: owner.name } });
    }
    // 5. The source keeps its name and `mergedInto` as a tombstone; its personal data now lives on the target.
    await Contact.updateOne(
      { _id: sourceId },
      { $set: { identities: [], emails: [], phones: [], updatedAt: clock.now() } },
    );
    // 6. Complete: the one transition that audits and announces the merge.
    const completed = await ContactMerge.findOneAndUpdate(
      { _id: sourceId, status: 'pending' },
      { $set: { status: 'completed', completedAt: clock.now() }, $unset: { snapshot: 1 } },
      { returnDocument: 'after' },
    ).lean<ContactMergeRecord>();
    if (completed) {
      await deps.audit.record({
        actorId: intent.actorId ? String(intent.actorId) : null,
        action: 'contact.merged',
        subjectType: 'contact',
        subjectId: String(targetId),
        details: { sourceContactId: String(sourceId), targetContactId: String(targetId) },
      });
      await deps.events.emit('contact.merged', {
        sourceContactId: String(sourceId),
        targetContactId: String(targetId),
      });
    }
  }

  async function recordIntent(source: ContactRecord, target: ContactRecord, actorId: string | null) {
    if (source.erasedAt || target.erasedAt)
      throw new AppError('CONFLICT', { userMessage: 'An erased contact cannot be merged.' });
    if (source.mergedInto)
      throw new AppError('CONFLICT', { userMessage: 'This contact was already merged.' });
    if (target.mergedInto)
      throw new AppError('CONFLICT', {
        userMessage: 'The target contact was itself merged; merge into the contact it was merged into.',
        details: { mergedInto: String(target.mergedInto) },
      });
    const targetPending = await ContactMerge.exists({ _id: target._id, status: 'pending' });
    if (targetPending)
      throw new AppError('CONFLICT', { userMessage: 'The target contact is being merged away.' });
    const now = clock.now();
    await ContactMerge.create({
      _id: source._id,
      targetId: target._id,
      status: 'pending',
      actorId: actorId ? new Types.ObjectId(actorId) : null,
      snapshot: snapshotOf(source),
      ownersDone: [],
      startedAt: now,
      completedAt: null,
    });
    await deps.audit.record({
      actorId,
      action: 'contact.merge_started',
      subjectType: 'contact',
      subjectId: String(source._id),
      details: { targetContactId: String(target._id) },
    });
  }

  return {
    /** Merges `sourceId` into `targetId` (or finishes an interrupted merge of the same pair). */
    merge: async (sourceId: string, targetId: string, actorId: string | null): Promise<MergeResult> => {
      if (sourceId === targetId)
        throw new AppError('INVALID_INPUT', { userMessage: 'A contact cannot be merged into itself.' });
      const source = await deps.core.getRecord(sourceId);
      const target = await deps.core.getRecord(targetId);
      let intent = await ContactMerge.findById(source._id).lean<ContactMergeRecord>();
      if (!intent) {
        try {
          await recordIntent(source, target, actorId);
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error; // a concurrent request recorded it: carry on with theirs
        }
        intent = await ContactMerge.findById(source._id).lean<ContactMergeRecord>();
        if (!intent) throw new AppError('INTERNAL', { message: 'merge intent vanished' });
      }
      if (!intent.targetId.equals(target._id))
        throw new AppError('CONFLICT', {
          userMessage: 'This contact was already merged into another contact.',
          details: { mergedInto: String(intent.targetId) },
        });
      const alreadyMerged = intent.status === 'completed';
      if (!alreadyMerged) await run(intent);
      return {
        status: 'completed',
        alreadyMerged,
        source: toContactView(await deps.core.getRecord(sourceId)),
        target: toContactView(await deps.core.getRecord(targetId)),
      };
    },

    /** Finishes merges left pending by a crash (call at start, or from a periodic job). */
    resumePendingMerges: async (): Promise<number> => {
      const pending = await ContactMerge.find({ status: 'pending' })
        .sort({ startedAt: 1 })
        .limit(100)
        .lean<ContactMergeRecord[]>();
      for (const intent of pending) await run(intent);
      return pending.length;
    },

    /** True while a merge that involves the contact is unfinished (erasure waits for it). */
    hasPendingMerge: async (contactId: Types.ObjectId): Promise<boolean> =>
      Boolean(
        await ContactMerge.exists({ status: 'pending', $or: [{ _id: contactId }, { targetId: contactId }] }),
      ),
  };
}

export type ContactMerge = ReturnType<typeof createContactMerge>;
