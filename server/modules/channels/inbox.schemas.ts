import { z } from 'zod';
import { CHANNEL_KINDS } from '../../../connectors/channel';

const objectId = z.string().regex(/^[0-9a-f]{24}$/i, 'must be an id');
/** Credential names are plain identifiers (they become object keys in storage). */
const credentialKey = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be an identifier');

export const CreateInboxSchema = z.strictObject({
  name: z.string().trim().min(1).max(120),
  channel: z.enum(CHANNEL_KINDS),
  address: z.string().trim().min(1).max(320).optional(),
  teamId: objectId.nullable().optional(),
  autoReply: z
    .strictObject({ enabled: z.boolean(), template: z.string().trim().min(1).max(200).optional() })
    .optional(),
  credentials: z.record(credentialKey, z.string().min(1).max(4096)).optional(),
  isDefault: z.boolean().optional(),
  enabled: z.boolean().optional(),
});
export type CreateInboxInput = z.infer<typeof CreateInboxSchema>;

/** A PATCH changes only what it names; in `credentials`, a string sets a secret and null removes it. */
export const UpdateInboxSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(120),
    address: z.string().trim().min(1).max(320).nullable(),
    teamId: objectId.nullable(),
    autoReply: z.strictObject({
      enabled: z.boolean(),
      template: z.string().trim().min(1).max(200).nullable().optional(),
    }),
    credentials: z.record(credentialKey, z.string().min(1).max(4096).nullable()),
    isDefault: z.boolean(),
    enabled: z.boolean(),
  })
  .partial()
  .refine((value) => Object.keys(value).length > 0, 'nothing to change');
export type UpdateInboxInput = z.infer<typeof UpdateInboxSchema>;

export const InboxListQuerySchema = z.strictObject({
  channel: z.enum(CHANNEL_KINDS).optional(),
  cursor: z
    .string()
    .regex(/^[0-9a-f]{24}$/i, 'invalid cursor')
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type InboxListQuery = z.infer<typeof InboxListQuerySchema>;

export const InboxIdSchema = z.strictObject({ id: objectId });

// ---- Responses ----

/** An inbox as admins see it: credentials only as `{set, hint}`, never the secret. */
export const InboxViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  channel: z.enum(CHANNEL_KINDS),
  address: z.string().nullable(),
  teamId: z.string().nullable(),
  autoReply: z.object({ enabled: z.boolean(), template: z.string().nullable().optional() }).loose(),
  credentials: z.record(z.string(), z.object({ set: z.literal(true), hint: z.string() })),
  isDefault: z.boolean(),
  enabled: z.boolean(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export const InboxPageSchema = z.object({
  items: z.array(InboxViewSchema),
  nextCursor: z.string().nullable(),
});
