import { trusted, Types, type Model } from 'mongoose';
import type { Clock } from '../../lib/clock';
import type { ContactRecord, ContactTier } from './contact.model';

/** A computed tier and RFM segment for one contact (the tiers module computes them from orders). */
export interface ComputedTier {
  contactId: string;
  tier: Exclude<ContactTier, 'VIP'>;
  rfmSegment: string;
}

const BATCH = 500;

/**
 * Writes computed tiers onto contacts, in bulk: the contact's `tier` is what routing priority, SLA policy
 * selection and automations read. A VIP tier is an agent's or admin's decision and stays; its RFM
 * segment is still updated. Merged-away and erased contacts are left alone.
 */
export function createContactTierWriter(deps: { Contact: Model<ContactRecord>; clock: Clock }) {
  return async function applyComputedTiers(entries: readonly ComputedTier[]): Promise<{ changed: number }> {
    let changed = 0;
    for (let start = 0; start < entries.length; start += BATCH) {
      const now = deps.clock.now();
      const ops = entries.slice(start, start + BATCH).map((entry) => ({
        updateOne: {
          filter: {
            _id: new Types.ObjectId(entry.contactId),
            mergedInto: null,
            erasedAt: null,
            // Only contacts with something to change (a VIP's tier is never something to change).
            $or: [
              { tier: trusted({ $nin: [entry.tier, 'VIP'] as ContactTier[] }) },
              { rfmSegment: trusted({ $ne: entry.rfmSegment }) },
            ],
          },
          update: [
            {
              $set: {
                tier: { $cond: [{ $eq: ['$tier', 'VIP'] }, 'VIP', entry.tier] },
                rfmSegment: entry.rfmSegment,
                updatedAt: now,
              },
            },
          ],
        },
      }));
      const result = await deps.Contact.bulkWrite(ops, { ordered: false });
      changed += result.modifiedCount;
    }
    return { changed };
  };
}
