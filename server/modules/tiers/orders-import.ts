/**
 * Orders import (an import kind of the shared machinery): order summaries per contact, keyed by the order
 * system's id (a re-import updates), each tied to an existing contact found by the contacts module's
 * resolution (id, or identity / email / phone as ingest resolves them). An order names a contact; it never
 * creates one: a row whose contact is unknown is reported.
 */
import { trusted } from 'mongoose';
import { z } from 'zod';
import type { ContactsService } from '../contacts';
import {
  contactKeyFields,
  importSenderOf,
  type ImportKind,
  type RowOutcome,
  type ValidRow,
} from '../imports';
import type { TierModels } from './tier.models';

const LOOKUP_CONCURRENCY = 16;
const MAX_AMOUNT_MINOR = 1e13;

/** A decimal amount (`129.90`, or a JSON number) in minor units, exactly. */
const amount = z.union([z.number(), z.string().trim()]).transform((value, ctx) => {
  const text = typeof value === 'number' ? String(value) : value;
  const match = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be an amount like 129.90 (at most 2 decimals, not negative)',
    });
    return z.NEVER;
  }
  const minor = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  if (minor > MAX_AMOUNT_MINOR) {
    ctx.addIssue({ code: 'custom', message: 'is too large' });
    return z.NEVER;
  }
  return minor;
});

const placedAt = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((text) => new Date(text))
  .refine((date) => date.getUTCFullYear() >= 1970, 'must be a date after 1970');

export const OrderImportRowSchema = z
  .object({
    orderId: z.union([z.string(), z.number().transform(String)]).pipe(z.string().trim().min(1).max(100)),
    contactId: z
      .string()
      .regex(/^[0-9a-f]{24}$/i, 'must be a contact id')
      .optional(),
    ...contactKeyFields,
    placedAt,
    amount,
    currency: z
      .string()
      .trim()
      .regex(/^[A-Za-z]{3}$/, 'must be a currency code like CNY')
      .transform((code) => code.toUpperCase())
      .optional(),
  })
  .strict()
  .refine((row) => Boolean(row.channel) === Boolean(row.externalId), {
    message: 'channel and externalId go together',
    path: ['externalId'],
  })
  .refine((row) => row.contactId || row.email || row.phone || row.externalId, {
    message: 'an order needs its contact: contactId, email, phone, or channel with externalId',
    path: ['contactId'],
  });
export type OrderImportRow = z.infer<typeof OrderImportRowSchema>;

type ContactsPort = Pick<ContactsService, 'findContact' | 'previewResolveContact'>;

async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  });
  await Promise.all(workers);
  return results;
}

export function createOrdersImportKind(deps: {
  models: TierModels;
  contacts: ContactsPort;
  currency: string;
  clock: { now(): Date };
  /** After a real import: recompute tiers from the orders now stored. */
  afterImport: (importId: string) => Promise<void>;
}): ImportKind<OrderImportRow> {
  const { Order } = deps.models;

  /** The live contact an order row names, or why there is none. */
  async function contactOf(
    row: OrderImportRow,
  ): Promise<{ contactId: string } | { error: string; field: string }> {
    if (row.contactId) {
      const contact = await deps.contacts.findContact(row.contactId);
      if (!contact || contact.erasedAt) return { error: 'no such contact', field: 'contactId' };
      return { contactId: contact.mergedInto ?? contact.id };
    }
    const found = await deps.contacts.previewResolveContact(importSenderOf(row));
    if (found.contactId) return { contactId: found.contactId };
    const field = row.externalId ? 'externalId' : row.email ? 'email' : 'phone';
    return { error: `no contact has this ${field}; import the contacts first`, field };
  }

  return {
    name: 'orders',
    rowSchema: OrderImportRowSchema,
    outcomes: ['created', 'updated'],
    startRun({ importId, dryRun }) {
      const seen = new Set<string>();
      return {
        async applyBatch(rows: ValidRow<OrderImportRow>[]): Promise<RowOutcome[]> {
          const contacts = await mapLimited(rows, LOOKUP_CONCURRENCY, (row) => contactOf(row.value));
          const outcomes = new Map<number, RowOutcome>();
          const writes: { row: ValidRow<OrderImportRow>; contactId: string }[] = [];
          rows.forEach((row, index) => {
            const contact = contacts[index]!;
            const currency = row.value.currency ?? deps.currency;
            if ('error' in contact) outcomes.set(row.row, { row: row.row, ...contact });
            else if (currency !== deps.currency)
              outcomes.set(row.row, {
                row: row.row,
                field: 'currency',
                error: `orders are in ${deps.currency}; this one is in ${currency}`,
              });
            else writes.push({ row, contactId: contact.contactId });
          });
          const ids = writes.map((write) => write.row.value.orderId);
          if (dryRun) {
            const stored = await Order.find({ orderId: trusted({ $in: ids }) })
              .select({ orderId: 1 })
              .lean();
            for (const order of stored) seen.add(order.orderId);
          }
          const now = deps.clock.now();
          const ops = writes.map(({ row, contactId }) => ({
            updateOne: {
              filter: { orderId: row.value.orderId },
              update: {
                $set: {
                  contactId,
                  placedAt: row.value.placedAt,
                  amountMinor: row.value.amount,
                  currency: deps.currency,
                  importId,
                  updatedAt: now,
                },
                $setOnInsert: { createdAt: now },
              },
              upsert: true,
            },
          }));
          const upserted = new Set<number>();
          if (!dryRun && ops.length) {
            const result = await Order.bulkWrite(ops, { ordered: true });
            for (const index of Object.keys(result.upsertedIds)) upserted.add(Number(index));
          }
          writes.forEach(({ row }, index) => {
            const isNew = dryRun ? !seen.has(row.value.orderId) : upserted.has(index);
            seen.add(row.value.orderId);
            outcomes.set(row.row, { row: row.row, outcome: isNew ? 'created' : 'updated' });
          });
          return rows.map((row) => outcomes.get(row.row)!);
        },
      };
    },
    afterImport: deps.afterImport,
  };
}
