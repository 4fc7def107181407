import { trusted, Types } from 'mongoose';
import { AppError } from '../../lib/app-error';
import type { Clock } from '../../lib/clock';
import type { AuditService } from '../agents';
import type { ContactRecord } from './contact.model';
import { toContactView, type ContactView } from './contact-view';
import type { ContactMerge } from './contact-merge';
import type { ContactsCore } from './contacts.service';
import type { ContactDataOwner } from './data-owners';
import type { OrganizationsService } from './organizations.service';

export const ERASED_CONTACT_NAME = 'Erased contact';

export interface ContactExport {
  exportedAt: string;
  contact: ContactView;
  organization: unknown;
  relatedContacts: { id: string; name: string; kind: string }[];
  /** Contacts merged into this one (their tombstones). */
  mergedFrom: string[];
  /** Each data owner's export, by owner name (conversations and messages, …). */
  data: Record<string, unknown>;
}

/**
 * Subject-access export and erasure (the "right to be forgotten"). Erasure records its intent on the
 * contact (`erasingAt`), anonymises the contact and its merged-away tombstones, asks every data owner to
 * erase, and completes with `erasedAt`; running it again finishes an interrupted erasure and changes nothing
 * after a completed one. The contact keeps its id, tier and dates, so reports still count it.
 */
export function createContactPrivacy(deps: {
  core: ContactsCore;
  organizations: OrganizationsService;
  merge: ContactMerge;
  owners: () => ContactDataOwner[];
  clock: Clock;
  audit: AuditService;
}) {
  const { Contact } = deps.core;
  const { clock } = deps;

  async function tombstoneIds(contactId: Types.ObjectId): Promise<Types.ObjectId[]> {
    const docs = await Contact.find({ mergedInto: contactId })
      .select({ _id: 1 })
      .limit(1000)
      .lean<{ _id: Types.ObjectId }[]>();
    return docs.map((doc) => doc._id);
  }

  const anonymised = (now: Date) => ({
    name: ERASED_CONTACT_NAME,
    emails: [],
    phones: [],
    identities: [],
    birthday: null,
    birthdayMonthDay: null,
    attributes: {},
    tags: [],
    locale: null,
    organizationId: null,
    relationships: [],
    updatedAt: now,
  });

  return {
    exportContact: async (id: string, actorId: string | null): Promise<ContactExport> => {
      const doc = await deps.core.getRecord(id);
      const contact = toContactView(doc);
      const organization = contact.organizationId
        ? await deps.organizations.findOrganization(contact.organizationId)
        : null;
      const relatedIds = contact.relationships.flatMap((r) => (r.contactId ? [r.contactId] : []));
      const related = relatedIds.length
        ? await Contact.find({ _id: trusted({ $in: relatedIds.map((rid) => new Types.ObjectId(rid)) }) })
            .select({ name: 1 })
            .lean<Pick<ContactRecord, '_id' | 'name'>[]>()
        : [];
      const names = new Map(related.map((r) => [r._id.toHexString(), r.name]));
      const data: Record<string, unknown> = {};
      for (const owner of deps.owners()) data[owner.name] = await owner.exportContact(id);
      await deps.audit.record({ actorId, action: 'contact.exported', subjectType: 'contact', subjectId: id });
      return {
        exportedAt: clock.now().toISOString(),
        contact,
        organization,
        relatedContacts: contact.relationships.flatMap((r) =>
          r.contactId ? [{ id: r.contactId, name: names.get(r.contactId) ?? '', kind: r.kind }] : [],
        ),
        mergedFrom: (await tombstoneIds(doc._id)).map(String),
        data,
      };
    },

    eraseContact: async (
      id: string,
      actorId: string | null,
    ): Promise<{ contact: ContactView; alreadyErased: boolean }> => {
      const doc = await deps.core.getRecord(id);
      if (doc.erasedAt) return { contact: toContactView(doc), alreadyErased: true };
      if (doc.mergedInto)
        throw new AppError('CONFLICT', {
          userMessage: 'This contact was merged; erase the contact it was merged into.',
          details: { mergedInto: String(doc.mergedInto) },
        });
      if (await deps.merge.hasPendingMerge(doc._id))
        throw new AppError('CONFLICT', {
          userMessage: 'A merge involving this contact is unfinished; finish it first.',
        });
      const now = clock.now();
      // Intent first: from here on the contact counts as being erased, and a re-run finishes the job.
      await Contact.updateOne(
        { _id: doc._id, erasingAt: null, erasedAt: null },
        { $set: { erasingAt: now } },
      );
      await Contact.updateOne({ _id: doc._id }, { $set: anonymised(now) });
      const tombstones = await tombstoneIds(doc._id);
      if (tombstones.length)
        await Contact.updateMany({ _id: trusted({ $in: tombstones }) }, { $set: anonymised(now) });
      for (const owner of deps.owners()) {
        await owner.eraseContact(id);
        for (const tombstone of tombstones) await owner.eraseContact(String(tombstone));
      }
      const completed = await Contact.findOneAndUpdate(
        { _id: doc._id, erasedAt: null },
        { $set: { erasedAt: clock.now(), erasingAt: null } },
        { returnDocument: 'after' },
      ).lean<ContactRecord>();
      if (completed)
        await deps.audit.record({
          actorId,
          action: 'contact.erased',
          subjectType: 'contact',
          subjectId: id,
          details: { owners: deps.owners().map((owner) => owner.name), tombstones: tombstones.length },
        });
      return {
        contact: toContactView(completed ?? (await deps.core.getRecord(id))),
        alreadyErased: !completed,
      };
    },
  };
}
