/**
 * RFM scores, segments and ABC tiers, pure (docs/templates-automations-care.md, "Tiers").
 *
 * Scores are quintiles over the contacts that have orders: a contact's score on a measure is
 * `1 + floor(5 × (contacts strictly worse on it) / contacts)`, so 1 to 5, equal values share a score
 * (most customers bought once: they all get the same frequency score, never a split decided by order of
 * storage), and the scale follows each business's own distribution without thresholds to maintain.
 * Recency is worse when the last order is earlier; frequency and monetary when they are smaller.
 *
 * ABC is Pareto by revenue: contacts in descending order of revenue; a contact is A while the revenue of
 * the contacts strictly ahead of it is below 80 % of the total, B below 95 %, C after. Contacts with equal
 * revenue get the same tier; the biggest customer is always A.
 */

export interface OrderTotals {
  contactId: string;
  lastOrderAt: Date;
  /** Number of orders. */
  frequency: number;
  /** Revenue in minor units (fen, cents): sums stay exact integers. */
  monetaryMinor: number;
}

export type AbcTier = 'A' | 'B' | 'C';

export interface RfmResult extends OrderTotals {
  r: number;
  f: number;
  m: number;
  segment: RfmSegment;
  tier: AbcTier;
}

export const RFM_SEGMENTS = [
  'champions',
  'loyal',
  'cant_lose',
  'at_risk',
  'potential_loyalist',
  'new_customer',
  'promising',
  'need_attention',
  'about_to_sleep',
  'hibernating',
  'lost',
] as const;
export type RfmSegment = (typeof RFM_SEGMENTS)[number];

/** Cumulative revenue shares (percent) closing tiers A and B. */
export const ABC_A_PERCENT = 80;
export const ABC_B_PERCENT = 95;

/** Segment from the recency and frequency scores (the usual R × F grid; M is in the tier). */
export function rfmSegment(r: number, f: number): RfmSegment {
  if (r >= 4 && f >= 4) return 'champions';
  if (r === 3 && f >= 4) return 'loyal';
  if (r <= 2 && f === 5) return 'cant_lose';
  if (r <= 2 && f >= 3) return 'at_risk';
  if (r >= 4 && f >= 2) return 'potential_loyalist';
  if (r === 5) return 'new_customer';
  if (r === 4) return 'promising';
  if (r === 3 && f >= 2) return 'need_attention';
  if (r === 3) return 'about_to_sleep';
  return r === 2 ? 'hibernating' : 'lost';
}

/** For each value, how many values are strictly smaller (by binary search in the sorted list). */
function countsBelow(values: readonly number[]): (value: number) => number {
  const sorted = [...values].sort((a, b) => a - b);
  return (value) => {
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (sorted[mid]! < value) low = mid + 1;
      else high = mid;
    }
    return low;
  };
}

const quintile = (below: number, n: number) => 1 + Math.floor((5 * below) / n);

/** ABC tier per revenue: revenue of everyone strictly ahead, as a share of the total. */
function abcTiers(totals: readonly OrderTotals[]): (monetaryMinor: number) => AbcTier {
  const total = totals.reduce((sum, item) => sum + item.monetaryMinor, 0);
  const byRevenue = [...new Set(totals.map((item) => item.monetaryMinor))].sort((a, b) => b - a);
  const countByValue = new Map<number, number>();
  for (const item of totals)
    countByValue.set(item.monetaryMinor, (countByValue.get(item.monetaryMinor) ?? 0) + 1);
  // Per distinct revenue: the revenue of every contact with strictly more.
  const ahead = new Map<number, number>();
  let sum = 0;
  for (const value of byRevenue) {
    ahead.set(value, sum);
    sum += value * countByValue.get(value)!;
  }
  return (monetaryMinor) => {
    if (total <= 0) return 'C';
    // In integers: ahead / total < 80 % without rounding.
    const ahead100 = ahead.get(monetaryMinor)! * 100;
    return ahead100 < ABC_A_PERCENT * total ? 'A' : ahead100 < ABC_B_PERCENT * total ? 'B' : 'C';
  };
}

/** Scores, segment and tier of every contact in `totals` (contacts without orders are not in it). */
export function computeRfm(totals: readonly OrderTotals[]): RfmResult[] {
  const n = totals.length;
  if (n === 0) return [];
  const earlierThan = countsBelow(totals.map((item) => item.lastOrderAt.getTime()));
  const fewerThan = countsBelow(totals.map((item) => item.frequency));
  const lessThan = countsBelow(totals.map((item) => item.monetaryMinor));
  const tierOf = abcTiers(totals);
  return totals.map((item) => {
    const r = quintile(earlierThan(item.lastOrderAt.getTime()), n);
    const f = quintile(fewerThan(item.frequency), n);
    const m = quintile(lessThan(item.monetaryMinor), n);
    return { ...item, r, f, m, segment: rfmSegment(r, f), tier: tierOf(item.monetaryMinor) };
  });
}
