/**
 * MongoDB's total order over BSON values. mingo orders by JS type and puts every bson wrapper class
 * (ObjectId, Binary, Long, Decimal128, MinKey, MaxKey) after everything else, and compares same-class
 * wrappers by their string form; this comparator follows MongoDB instead.
 */
import type { Binary, BSONRegExp, Code, ObjectId, Timestamp } from 'bson';
import { binaryBytes, bsonTypeOf, isNumeric } from './bson-types.js';
import type { StringComparator } from './collation.js';
import { compareExact, exactNumber } from './numeric.js';

/**
 * Canonical type brackets in MongoDB's comparison order. Values of different brackets compare by
 * bracket only; numbers of any type share one bracket, as do strings and symbols, and null/missing.
 */
export function typeRank(v: unknown): number {
  if (isNumeric(v)) return 3;
  switch (bsonTypeOf(v)) {
    case 'minKey':
      return 1;
    case 'missing':
    case 'undefined':
    case 'null':
      return 2;
    case 'string':
    case 'symbol':
      return 4;
    case 'object':
      return 5;
    case 'array':
      return 6;
    case 'binData':
      return 7;
    case 'objectId':
      return 8;
    case 'bool':
      return 9;
    case 'date':
      return 10;
    case 'timestamp':
      return 11;
    case 'regex':
      return 12;
    case 'javascript':
      return 13;
    case 'maxKey':
      return 100;
    default:
      return 5;
  }
}

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);
const cmpPrimitive = <T extends string | number | boolean>(a: T, b: T): number =>
  a < b ? -1 : a > b ? 1 : 0;

function stringOf(v: unknown): string {
  return typeof v === 'string' ? v : String((v as { value?: unknown }).value ?? v);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return sign(d);
  }
  return 0;
}

function regexParts(v: unknown): [string, string] {
  if (v instanceof RegExp) return [v.source, v.flags];
  const r = v as BSONRegExp;
  return [r.pattern, r.options];
}

function compareDocuments(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  strCmp: StringComparator,
): number {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  const n = Math.min(ka.length, kb.length);
  // MongoDB walks both documents in stored order: value type, then field name, then value.
  for (let i = 0; i < n; i++) {
    const fa = ka[i] as string;
    const fb = kb[i] as string;
    const byType = cmpPrimitive(typeRank(a[fa]), typeRank(b[fb]));
    if (byType !== 0) return byType;
    const byName = cmpPrimitive(fa, fb);
    if (byName !== 0) return byName;
    const byValue = compareBson(a[fa], b[fb], strCmp);
    if (byValue !== 0) return byValue;
  }
  return cmpPrimitive(ka.length, kb.length);
}

function compareArrays(a: unknown[], b: unknown[], strCmp: StringComparator): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareBson(a[i], b[i], strCmp);
    if (c !== 0) return c;
  }
  return cmpPrimitive(a.length, b.length);
}

function compareSameRank(rank: number, a: unknown, b: unknown, strCmp: StringComparator): number {
  switch (rank) {
    case 3:
      return compareExact(exactNumber(a) ?? NaN, exactNumber(b) ?? NaN);
    case 4:
      return strCmp ? sign(strCmp(stringOf(a), stringOf(b))) : cmpPrimitive(stringOf(a), stringOf(b));
    case 5:
      return compareDocuments(a as Record<string, unknown>, b as Record<string, unknown>, strCmp);
    case 6:
      return compareArrays(a as unknown[], b as unknown[], strCmp);
    case 7: {
      const ba = a as Binary;
      const bb = b as Binary;
      const byLength = cmpPrimitive(ba.position, bb.position);
      if (byLength !== 0) return byLength;
      return cmpPrimitive(ba.sub_type, bb.sub_type) || compareBytes(binaryBytes(ba), binaryBytes(bb));
    }
    case 8:
      return cmpPrimitive((a as ObjectId).toHexString(), (b as ObjectId).toHexString());
    case 9:
      return cmpPrimitive(Boolean(a), Boolean(b));
    case 10:
      return cmpPrimitive((a as Date).getTime(), (b as Date).getTime());
    case 11: {
      const ta = a as Timestamp;
      const tb = b as Timestamp;
      return cmpPrimitive(ta.t, tb.t) || cmpPrimitive(ta.i, tb.i);
    }
    case 12: {
      const [pa, fa] = regexParts(a);
      const [pb, fb] = regexParts(b);
      return cmpPrimitive(pa, pb) || cmpPrimitive(fa, fb);
    }
    case 13:
      return cmpPrimitive(String((a as Code).code), String((b as Code).code));
    default:
      return 0;
  }
}

/**
 * Compares two BSON values in MongoDB's order: MinKey < null/missing < numbers (by value across int,
 * long, double, decimal) < strings < objects < arrays < binData < ObjectId < bool < Date < Timestamp
 * < RegExp < MaxKey. Arrays compare element by element (sort keys are extracted before calling this).
 * @param strCmp optional collation comparator for strings.
 */
export function compareBson(a: unknown, b: unknown, strCmp?: StringComparator): number {
  if (a === b) return 0;
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  return compareSameRank(ra, a, b, strCmp);
}

/** MongoDB equality: same type bracket and equal value (1 == 1.0 == NumberLong(1)). */
export function bsonEquals(a: unknown, b: unknown, strCmp?: StringComparator): boolean {
  return compareBson(a, b, strCmp) === 0;
}
