import type { ContactRecord } from './contact.model';

export interface ContactView {
  id: string;
  name: string;
  emails: string[];
  phones: string[];
  identities: { channel: string; externalId: string; handle: string | null }[];
  organizationId: string | null;
  tier: 'A' | 'B' | 'C' | 'VIP' | null;
  rfmSegment: string | null;
  tags: string[];
  attributes: Record<string, unknown>;
  birthday: string | null;
  locale: string | null;
  timezone: string | null;
  preferredChannel: string | null;
  careOptOut: boolean;
  anniversary: string | null;
  relationships: { contactId?: string; organizationId?: string; kind: string }[];
  mergedInto: string | null;
  erasedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A stored contact as the API shows it (ids as strings, no internal bookkeeping fields). */
export function toContactView(doc: ContactRecord): ContactView {
  return {
    id: doc._id.toHexString(),
    name: doc.name,
    emails: doc.emails ?? [],
    phones: doc.phones ?? [],
    identities: (doc.identities ?? []).map((identity) => ({
      channel: identity.channel,
      externalId: identity.externalId,
      handle: identity.handle ?? null,
    })),
    organizationId: doc.organizationId ? doc.organizationId.toHexString() : null,
    tier: doc.tier ?? null,
    rfmSegment: doc.rfmSegment ?? null,
    tags: doc.tags ?? [],
    attributes: (doc.attributes as Record<string, unknown> | null | undefined) ?? {},
    birthday: doc.birthday ?? null,
    locale: doc.locale ?? null,
    timezone: doc.timezone ?? null,
    preferredChannel: doc.preferredChannel ?? null,
    careOptOut: doc.careOptOut ?? false,
    anniversary: doc.anniversary ?? null,
    relationships: (doc.relationships ?? []).map((relation) => ({
      ...(relation.contactId ? { contactId: relation.contactId.toHexString() } : {}),
      ...(relation.organizationId ? { organizationId: relation.organizationId.toHexString() } : {}),
      kind: relation.kind,
    })),
    mergedInto: doc.mergedInto ? doc.mergedInto.toHexString() : null,
    erasedAt: doc.erasedAt ? doc.erasedAt.toISOString() : null,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

/** `MM-DD` of a `YYYY-MM-DD` or `--MM-DD` birthday. */
export function birthdayMonthDay(birthday: string | null | undefined): string | null {
  const match = birthday ? /^(?:\d{4}|--)-?(\d{2})-(\d{2})$/.exec(birthday) : null;
  return match ? `${match[1]}-${match[2]}` : null;
}
