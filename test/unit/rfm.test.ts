import assert from 'node:assert/strict';
import { computeRfm, rfmSegment, RFM_SEGMENTS } from '../../server/modules/tiers/rfm';

const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000);
const totals = (contactId: string, lastDay: number, frequency: number, monetaryMinor: number) => ({
  contactId,
  lastOrderAt: day(lastDay),
  frequency,
  monetaryMinor,
});

describe('RFM and ABC (pure)', () => {
  it('scores by quintiles: ten contacts with distinct values get 1,1,2,2,…,5,5', () => {
    const input = Array.from({ length: 10 }, (_, i) => totals(`c${i}`, i, i + 1, (i + 1) * 100));
    const result = computeRfm(input);
    assert.deepEqual(
      result.map((item) => item.r),
      [1, 1, 2, 2, 3, 3, 4, 4, 5, 5],
    );
    assert.deepEqual(
      result.map((item) => item.f),
      result.map((item) => item.r),
    );
    assert.deepEqual(
      result.map((item) => item.m),
      result.map((item) => item.r),
    );
  });

  it('gives equal values the same score (one-time buyers all share the lowest frequency score)', () => {
    const input = [
      ...Array.from({ length: 8 }, (_, i) => totals(`once${i}`, 10, 1, 100)),
      totals('twice', 10, 2, 100),
      totals('often', 10, 9, 100),
    ];
    const result = computeRfm(input);
    assert.deepEqual(new Set(result.slice(0, 8).map((item) => item.f)), new Set([1]));
    assert.equal(result[8]!.f, 5); // 8 of 10 are strictly below: 1 + floor(40 / 10)
    assert.equal(result[9]!.f, 5);
    assert.deepEqual(
      new Set(result.map((item) => item.r)),
      new Set([1]),
      'same day for all: same recency score',
    );
  });

  it('puts contacts into A while the revenue ahead of them is under 80 %, B under 95 %, C after; ties share a tier', () => {
    // Revenue 50, 30, 10, 5, 3, 2 (total 100): ahead 0, 50, 80, 90, 95, 98.
    const revenue = [50, 30, 10, 5, 3, 2];
    const result = computeRfm(revenue.map((m, i) => totals(`c${i}`, i, 1, m)));
    assert.deepEqual(
      result.map((item) => item.tier),
      ['A', 'A', 'B', 'B', 'C', 'C'],
    );
    // 40 and 40: both have nothing strictly ahead (A); 20 has 80 % ahead (B).
    const tied = computeRfm([totals('a', 1, 1, 40), totals('b', 1, 1, 40), totals('c', 1, 1, 20)]);
    assert.deepEqual(
      tied.map((item) => item.tier),
      ['A', 'A', 'B'],
    );
    assert.equal(computeRfm([totals('only', 1, 1, 0)])[0]!.tier, 'C', 'no revenue at all: C');
  });

  it('maps every R × F cell to one of the documented segments', () => {
    const seen = new Set<string>();
    for (let r = 1; r <= 5; r++) for (let f = 1; f <= 5; f++) seen.add(rfmSegment(r, f));
    assert.deepEqual([...seen].sort(), [...RFM_SEGMENTS].sort());
    assert.equal(rfmSegment(5, 5), 'champions');
    assert.equal(rfmSegment(1, 5), 'cant_lose');
    assert.equal(rfmSegment(5, 1), 'new_customer');
    assert.equal(rfmSegment(1, 1), 'lost');
  });

  it('returns nothing for no contacts', () => {
    assert.deepEqual(computeRfm([]), []);
  });
});
