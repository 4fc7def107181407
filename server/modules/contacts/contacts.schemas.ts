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
