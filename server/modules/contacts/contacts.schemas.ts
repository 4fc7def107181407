import { z } from 'zod';
import { CONTACT_TIERS } from './contact.model';
import { normalizeEmail, normalizePhone } from './phone';
import { isValidZone } from '../../lib/local-dates';
import { NETWORK_MAX_DEPTH, NETWORK_MAX_NODES } from './contact-network';

export const objectId = z.string().regex(/^[0-9a-f]{24}$/i, 'must be an id');
export const IdParams = z.object({ id: objectId });

const tag = z.string().trim().min(1).max(64);
const kind = z.string().trim().min(1).max(64);
const email = z
  .string()
  .max(320)
  .transform((value, ctx) => {
    const normalized = normalizeEmail(value);
    if (!normalized) {
      ctx.addIssue({ code: 'custom', message: 'must be an email address' });
      return z.NEVER;
    }
    return normalized;
  });
const phone = z
  .string()
  .max(40)
  .transform((value, ctx) => {
    const normalized = normalizePhone(value);
    if (!normalized) {
      ctx.addIssue({ code: 'custom', message: 'must be a valid phone number' });
      return z.NEVER;
    }
    return normalized;
  });
/** Custom attributes: flat-ish JSON with safe keys (no `$`, no `.`: they become field paths). */
const attributes = z
  .record(
    z.string().regex(/^[^$.][^.]{0,63}$/, 'attribute names cannot contain "." or start with "$"'),
    z.unknown(),
  )
  .refine((value) => JSON.stringify(value).length <= 16_384, 'attributes are too large');
const birthday = z
  .string()
  .regex(/^(\d{4}|-)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'must be YYYY-MM-DD or --MM-DD');

export const SearchContactsQuery = z.object({
  q: z.string().max(200).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const UpdateContactSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    tier: z.enum(CONTACT_TIERS).nullable(),
    rfmSegment: z.string().trim().max(64).nullable(),
    tags: z.array(tag).max(100),
    attributes,
    organizationId: objectId.nullable(),
    birthday: birthday.nullable(),
    locale: z
      .string()
      .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a locale like zh-CN')
      .nullable(),
    timezone: z
      .string()
      .max(64)
      .refine((zone) => isValidZone(zone), 'must be an IANA timezone like Asia/Shanghai')
      .nullable(),
    preferredChannel: z
      .string()
      .regex(/^[a-z]{2,20}$/, 'must be a channel name')
      .nullable(),
    careOptOut: z.boolean(),
    anniversary: birthday.nullable(),
    emails: z.array(email).max(20),
    phones: z.array(phone).max(20),
  })
  .partial()
  .strict();

export const ContactRelationshipSchema = z
  .object({ contactId: objectId.optional(), organizationId: objectId.optional(), kind })
  .strict()
  .refine(
    (r) => Boolean(r.contactId) !== Boolean(r.organizationId),
    'give either contactId or organizationId',
  );

export const RemoveContactRelationshipQuery = z
  .object({ contactId: objectId.optional(), organizationId: objectId.optional(), kind: kind.optional() })
  .refine(
    (r) => Boolean(r.contactId) !== Boolean(r.organizationId),
    'give either contactId or organizationId',
  );

export const MergeSchema = z.object({ targetContactId: objectId }).strict();

export const NetworkQuery = z.object({
  depth: z.coerce.number().int().min(1).max(NETWORK_MAX_DEPTH).default(2),
  limit: z.coerce.number().int().min(1).max(NETWORK_MAX_NODES).default(100),
});

export const OrganizationSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    parentId: objectId.nullable().optional(),
    tags: z.array(tag).max(100).optional(),
  })
  .strict();
export const UpdateOrganizationSchema = OrganizationSchema.partial().strict();
export const OrganizationRelationshipSchema = z.object({ organizationId: objectId, kind }).strict();
export const RemoveOrganizationRelationshipQuery = z.object({
  organizationId: objectId,
  kind: kind.optional(),
});
export const ListOrganizationsQuery = SearchContactsQuery;

// ---- Responses ----

const iso = z.iso.datetime();

/** A contact (modules may add fields: the object is open). */
export const ContactSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    emails: z.array(z.string()),
    phones: z.array(z.string()),
    identities: z.array(
      z.object({ channel: z.string(), externalId: z.string(), handle: z.string().nullable() }),
    ),
    organizationId: z.string().nullable(),
    tier: z.enum(CONTACT_TIERS).nullable(),
    rfmSegment: z.string().nullable(),
    tags: z.array(z.string()),
    attributes: z.record(z.string(), z.unknown()),
    birthday: z.string().nullable(),
    locale: z.string().nullable(),
    relationships: z.array(
      z.object({ contactId: z.string().optional(), organizationId: z.string().optional(), kind: z.string() }),
    ),
    mergedInto: z.string().nullable(),
    erasedAt: iso.nullable(),
    createdAt: iso,
    updatedAt: iso,
  })
  .loose();
export const ContactPageSchema = z.object({
  items: z.array(ContactSchema),
  nextCursor: z.string().nullable(),
});

export const OrganizationViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  parentId: z.string().nullable(),
  relationships: z.array(z.object({ organizationId: z.string(), kind: z.string() })),
  tags: z.array(z.string()),
  createdAt: iso,
  updatedAt: iso,
});
export const OrganizationPageSchema = z.object({
  items: z.array(OrganizationViewSchema),
  nextCursor: z.string().nullable(),
});

/** The 360 view: the contact, its organization, and the sections other modules add (conversations, …). */
export const ContactDetailSchema = z.object({
  contact: ContactSchema,
  organization: OrganizationViewSchema.nullable(),
  sections: z.record(z.string(), z.unknown()),
});

const nodeRef = z.object({ type: z.enum(['contact', 'organization']), id: z.string() });
export const NetworkSchema = z.object({
  nodes: z.array(
    nodeRef.extend({ name: z.string(), depth: z.number().int(), tier: z.string().nullable().optional() }),
  ),
  edges: z.array(z.object({ from: nodeRef, to: nodeRef, kind: z.string() })),
  truncated: z.boolean(),
});

export const MergeResultSchema = z.object({
  status: z.literal('completed'),
  alreadyMerged: z.boolean(),
  source: ContactSchema,
  target: ContactSchema,
});

export const ContactExportSchema = z.object({
  exportedAt: iso,
  contact: ContactSchema,
  organization: z.unknown(),
  relatedContacts: z.array(z.object({ id: z.string(), name: z.string(), kind: z.string() })),
  mergedFrom: z.array(z.string()),
  data: z.record(z.string(), z.unknown()),
});

export const EraseResultSchema = z.object({ contact: ContactSchema, alreadyErased: z.boolean() });
