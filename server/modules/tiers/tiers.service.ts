/**
 * Tiers: RFM scores, segments and ABC tiers computed from the imported orders (rfm.ts), kept per contact
 * in `contact_rfm` and written onto the contacts (`tier`, `rfmSegment`), which routing priority, SLA
 * policy selection and automations read. Recomputed by a repeatable bull job and after each orders import.
 */
import type { Queue } from 'bull';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import type { QueueFactory } from '../../infra/queues';
import type { ComputedTier } from '../contacts';
import { computeRfm, type OrderTotals } from './rfm';
import type { ContactRfmRecord, TierModels } from './tier.models';

export const TIERS_QUEUE = 'tiers';
const WRITE_BATCH = 500;

export interface ContactRfmView {
  r: number;
  f: number;
  m: number;
  /** The three scores as one code, e.g. `545`. */
  score: string;
  segment: string;
  tier: string;
  lastOrderAt: string;
  frequency: number;
  /** Revenue in `currency`, as a decimal string (`1299.90`). */
  monetary: string;
  currency: string;
  computedAt: string;
}

export function createTiersService(deps: {
  models: TierModels;
  queues: QueueFactory;
  clock: Clock;
  logger: Logger;
  currency: string;
  applyComputedTiers: (entries: readonly ComputedTier[]) => Promise<{ changed: number }>;
  schedule: { cron: string; tz: string };
}) {
  const { Order, ContactRfm } = deps.models;
  const queue = (): Queue<{ reason: string }> => deps.queues.queue<{ reason: string }>(TIERS_QUEUE);

  /** Per contact with orders: last order, count and revenue (one aggregation over the orders). */
  async function orderTotals(): Promise<OrderTotals[]> {
    const rows = await Order.aggregate<{
      _id: string;
      lastOrderAt: Date;
      frequency: number;
      monetaryMinor: number;
    }>([
      {
        $group: {
          _id: '$contactId',
          lastOrderAt: { $max: '$placedAt' },
          frequency: { $sum: 1 },
          monetaryMinor: { $sum: '$amountMinor' },
        },
      },
    ]);
    return rows.map((row) => ({
      contactId: row._id,
      lastOrderAt: new Date(row.lastOrderAt),
      frequency: row.frequency,
      monetaryMinor: row.monetaryMinor,
    }));
  }

  /** Recomputes every contact's scores and tier from the stored orders; returns what it did. */
  async function recompute(): Promise<{ contacts: number; changed: number; computedAt: string }> {
    const computedAt = deps.clock.now();
    const results = computeRfm(await orderTotals());
    for (let start = 0; start < results.length; start += WRITE_BATCH) {
      const ops = results.slice(start, start + WRITE_BATCH).map((result) => ({
        replaceOne: {
          filter: { _id: result.contactId },
          replacement: {
            _id: result.contactId,
            r: result.r,
            f: result.f,
            m: result.m,
            segment: result.segment,
            tier: result.tier,
            lastOrderAt: result.lastOrderAt,
            frequency: result.frequency,
            monetaryMinor: result.monetaryMinor,
            computedAt,
          },
          upsert: true,
        },
      }));
      await ContactRfm.bulkWrite(ops, { ordered: false });
    }
    const { changed } = await deps.applyComputedTiers(
      results.map((result) => ({
        contactId: result.contactId,
        tier: result.tier,
        rfmSegment: result.segment,
      })),
    );
    deps.logger.info({ contacts: results.length, changed }, 'tiers recomputed');
    return { contacts: results.length, changed, computedAt: computedAt.toISOString() };
  }

  function toView(doc: ContactRfmRecord): ContactRfmView {
    return {
      r: doc.r,
      f: doc.f,
      m: doc.m,
      score: `${doc.r}${doc.f}${doc.m}`,
      segment: doc.segment,
      tier: doc.tier,
      lastOrderAt: doc.lastOrderAt.toISOString(),
      frequency: doc.frequency,
      monetary: (doc.monetaryMinor / 100).toFixed(2),
      currency: deps.currency,
      computedAt: doc.computedAt.toISOString(),
    };
  }

  return {
    recompute,

    /** A contact's latest scores, or null when it has no orders (or was never computed). */
    async findContactRfm(contactId: string): Promise<ContactRfmView | null> {
      const doc = await ContactRfm.findById(contactId).lean<ContactRfmRecord>();
      return doc ? toView(doc) : null;
    },

    /** Asks a worker to recompute (deduplicated per `key`: one job per import, or one manual run at a time). */
    async requestRecompute(key: string): Promise<void> {
      await queue().add({ reason: key }, { jobId: `recompute:${key}`, removeOnComplete: true, attempts: 3 });
    },

    /** Becomes a worker of the tiers queue and registers the schedule (bull dedupes it across processes). */
    async startWorkers(): Promise<void> {
      deps.queues.process<{ reason: string }>(TIERS_QUEUE, { concurrency: 1 }, async () => recompute());
      await queue().add(
        { reason: 'schedule' },
        {
          repeat: { cron: deps.schedule.cron, tz: deps.schedule.tz },
          jobId: 'tiers-schedule',
          removeOnComplete: true,
          removeOnFail: 100,
        },
      );
    },

    /** The contact data owner: orders follow a merge, appear in an export, and stay through an erasure. */
    contactDataOwner: {
      name: 'tiers',
      async moveContact(fromContactId: string, toContactId: string): Promise<void> {
        await Order.updateMany({ contactId: fromContactId }, { $set: { contactId: toContactId } });
        await ContactRfm.deleteOne({ _id: fromContactId });
      },
      async exportContact(contactId: string): Promise<unknown> {
        const orders = [];
        for await (const order of Order.find({ contactId }).sort({ placedAt: 1 }).lean().cursor())
          orders.push({
            orderId: order.orderId,
            placedAt: order.placedAt,
            amount: (order.amountMinor / 100).toFixed(2),
            currency: order.currency,
          });
        const rfm = await ContactRfm.findById(contactId).lean<ContactRfmRecord>();
        return { orders, rfm: rfm ? toView(rfm) : null };
      },
      // Orders are the business's bookkeeping and hold no words of the customer: they stay, the derived
      // profile goes.
      async eraseContact(contactId: string): Promise<void> {
        await ContactRfm.deleteOne({ _id: contactId });
      },
    },
  };
}

export type TiersService = ReturnType<typeof createTiersService>;
