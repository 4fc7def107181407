/**
 * Contacts import: each row is resolved to a contact by the contacts module's own resolution (channel
 * identity, then email, then phone; the one ingest uses), so an imported person and a person who writes in
 * meet on one contact. A row that resolves to a contact an earlier row of the same file already touched
 * counts as a duplicate; one that finds a contact from before counts as updated.
 *
 * What a row writes: a new contact gets every field given; an existing one gets the given name, tier,
 * birthday and locale, and the given emails, phones, tags and attributes are added to what it has.
 */
import { z } from 'zod';
import { isAppError } from '../../lib/app-error';
import { CONTACT_TIERS, UpdateContactSchema, type ContactsService, type ContactUpdate } from '../contacts';
import { importSenderOf, type ImportKind, type RowOutcome, type ValidRow } from './import-kind';

const fields = UpdateContactSchema.shape;
const ATTRIBUTE_COLUMN = /^attributes\.(.+)$/;

/** A phone may come from JSON as a number. */
const phone = z
  .union([z.string(), z.number().transform(String)])
  .pipe(fields.phones.unwrap().element)
  .optional();
const tags = z
  .union([z.array(z.string()), z.string().transform((text) => text.split(/[;|]/))])
  .transform((list) => list.map((tag) => tag.trim()).filter(Boolean))
  .pipe(fields.tags.unwrap())
  .optional();

/** `attributes.<name>` columns (CSV) join the `attributes` object (JSON). */
function gatherAttributes(input: unknown): unknown {
  if (typeof input !== 'object' || input === null) return input;
  const row: Record<string, unknown> = {};
  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const column = ATTRIBUTE_COLUMN.exec(key);
    if (column) attributes[column[1]!] = value;
    else row[key] = value;
  }
  if (Object.keys(attributes).length)
    row.attributes = { ...(row.attributes as Record<string, unknown> | undefined), ...attributes };
  return row;
}

/** The fields a row of any import may give to name its contact (resolved as ingest resolves senders). */
export const contactKeyFields = {
  email: fields.emails.unwrap().element.optional(),
  phone,
  channel: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,30}$/, 'must be a channel name')
    .optional(),
  externalId: z.string().trim().min(1).max(200).optional(),
};

export const ContactImportRowSchema = z.preprocess(
  gatherAttributes,
  z
    .object({
      name: fields.name,
      ...contactKeyFields,
      tags,
      tier: z.enum(CONTACT_TIERS).optional(),
      birthday: fields.birthday.unwrap().unwrap().optional(),
      locale: fields.locale.unwrap().unwrap().optional(),
      attributes: fields.attributes,
    })
    .strict()
    .refine((row) => Boolean(row.channel) === Boolean(row.externalId), {
      message: 'channel and externalId go together',
      path: ['externalId'],
    })
    .refine((row) => row.email || row.phone || row.externalId, {
      message: 'a row needs an email, a phone, or a channel with an externalId',
      path: ['email'],
    }),
);
export type ContactImportRow = z.infer<typeof ContactImportRowSchema>;

type ContactsPort = Pick<
  ContactsService,
  'resolveContact' | 'previewResolveContact' | 'findContact' | 'updateContact'
>;

const union = (current: readonly string[], added: (string | undefined)[]) => {
  const extra = added.filter((value): value is string => Boolean(value) && !current.includes(value!));
  return extra.length ? [...current, ...extra] : null;
};

/** The update a row makes to a contact (`existing` null: the contact was just created from the row). */
function updateFor(
  row: ContactImportRow,
  existing: Awaited<ReturnType<ContactsPort['findContact']>>,
): ContactUpdate | null {
  const update: ContactUpdate = {};
  if (row.tier) update.tier = row.tier;
  if (row.birthday) update.birthday = row.birthday;
  if (row.locale) update.locale = row.locale;
  if (!existing) {
    if (row.tags?.length) update.tags = row.tags;
    if (row.attributes) update.attributes = row.attributes;
  } else {
    if (row.name && row.name !== existing.name) update.name = row.name;
    const emails = union(existing.emails, [row.email]);
    if (emails) update.emails = emails;
    const phones = union(existing.phones, [row.phone]);
    if (phones) update.phones = phones;
    const tagList = union(existing.tags, row.tags ?? []);
    if (tagList) update.tags = tagList;
    if (row.attributes) update.attributes = { ...existing.attributes, ...row.attributes };
  }
  return Object.keys(update).length ? update : null;
}

/** A row error for the client's own mistakes (4xx AppErrors); anything else fails the batch (retried). */
function rowErrorOf(row: number, error: unknown): RowOutcome {
  if (isAppError(error) && error.status < 500) return { row, error: error.userMessage };
  throw error;
}

export function createContactsImportKind(contacts: ContactsPort): ImportKind<ContactImportRow> {
  return {
    name: 'contacts',
    rowSchema: ContactImportRowSchema,
    outcomes: ['created', 'updated', 'duplicates'],
    startRun({ dryRun }) {
      /** Contacts this run touched: a second row for one of them is a duplicate. */
      const touched = new Set<string>();
      /** Dry run: the contacts earlier rows would have created, by identity / email / phone key. */
      const wouldCreate = new Map<string, string>();

      async function applyRow(source: ValidRow<ContactImportRow>): Promise<RowOutcome> {
        const row = source.value;
        const input = importSenderOf(row);
        if (dryRun) {
          const keys = [`id:${input.channel}:${input.sender.externalId}`];
          if (row.email) keys.push(`email:${row.email}`);
          if (row.phone) keys.push(`phone:${row.phone}`);
          const existing = (await contacts.previewResolveContact(input)).contactId;
          const earlier = existing ?? keys.map((key) => wouldCreate.get(key)).find(Boolean) ?? null;
          const contactId = earlier ?? `new:${source.row}`;
          if (!existing) for (const key of keys) if (!wouldCreate.has(key)) wouldCreate.set(key, contactId);
          const outcome = !earlier ? 'created' : touched.has(contactId) ? 'duplicates' : 'updated';
          touched.add(contactId);
          return { row: source.row, outcome };
        }
        const resolved = await contacts.resolveContact(input);
        const outcome = resolved.created
          ? 'created'
          : touched.has(resolved.contactId)
            ? 'duplicates'
            : 'updated';
        touched.add(resolved.contactId);
        const existing = resolved.created ? null : await contacts.findContact(resolved.contactId);
        const update = updateFor(row, existing);
        if (update) await contacts.updateContact(resolved.contactId, update);
        return { row: source.row, outcome };
      }

      return {
        // One row at a time, in file order: two rows of one person (email in one, phone in the other)
        // must meet the contact the first created, as they would if they wrote in one after the other.
        async applyBatch(rows) {
          const outcomes: RowOutcome[] = [];
          for (const row of rows) {
            try {
              outcomes.push(await applyRow(row));
            } catch (error) {
              outcomes.push(rowErrorOf(row.row, error));
            }
          }
          return outcomes;
        },
      };
    },
  };
}
