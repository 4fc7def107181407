/**
 * Bridges between stored BSON values and the plain JS values mingo's expression engine computes with.
 * mingo's arithmetic, accumulators and expression comparisons only understand JS numbers and RegExp,
 * so aggregation input is converted (int/double/long/decimal → number, BSONRegExp → RegExp). To keep
 * the stored type of every value a stage merely passes through, each converted container remembers
 * its original, and {@link fromMingo} puts back the original value wherever the output still holds
 * the converted one.
 */
import { BSONRegExp, type Document } from 'bson';
import { bsonTag, isPlainDocument, numberOf, isArray } from './bson-types.js';
import { bsonEquals } from './bson-compare.js';
import { toBsonNumber } from './numeric.js';

/**
 * Each converted container carries its original under this symbol. mingo ignores symbol keys (it
 * walks `Object.keys`), while object spreads in stages such as `$addFields` carry them along, so the
 * origin survives more stages than a side table would, at the cost of one property per container.
 */
const ORIGIN = Symbol('bson-origin');

/** The stored value a converted container was made from, if it is one. */
export function originOf(v: unknown): unknown {
  return v !== null && typeof v === 'object' ? (v as { [ORIGIN]?: unknown })[ORIGIN] : undefined;
}

/** Converts a MongoDB regex (with the `x` extended flag, which JS lacks) to a JS RegExp. */
export function toJsRegExp(pattern: string, options: string): RegExp {
  let source = pattern;
  if (options.includes('x')) {
    // Extended mode: unescaped whitespace and #-comments outside classes are not part of the pattern.
    source = source.replace(/\\.|\[(?:\\.|[^\]])*\]|#[^\n]*|\s+/g, (m) =>
      m.startsWith('\\') || m.startsWith('[') ? m : '',
    );
  }
  const flags = [...new Set(options.replace(/[^imsu]/g, '').split(''))].join('');
  return new RegExp(source, flags);
}

/**
 * Converts one value (deeply) into mingo's value space.
 * @param track record each container's original (for {@link fromMingo} and {@link originOf}).
 */
export function toMingo(v: unknown, track = false): unknown {
  if (v === null || typeof v !== 'object' || v instanceof Date) return v;
  if (isArray(v)) {
    const out: unknown[] = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = toMingo(v[i], track);
    if (track) (out as { [ORIGIN]?: unknown })[ORIGIN] = v;
    return out;
  }
  const tag = bsonTag(v);
  if (tag === 'Int32' || tag === 'Double') return (v as { value: number }).value;
  if (tag === 'Long' || tag === 'Decimal128') return numberOf(v);
  if (tag === 'BSONRegExp') return toJsRegExp((v as BSONRegExp).pattern, (v as BSONRegExp).options);
  if (tag !== undefined || !isPlainDocument(v)) return v;
  const out: Document = {};
  for (const k of Object.keys(v)) out[k] = toMingo(v[k], track);
  if (track) (out as { [ORIGIN]?: unknown })[ORIGIN] = v;
  return out;
}

/** Whether an output value is still the converted form of the original value. */
function sameConverted(out: unknown, original: unknown): boolean {
  if (typeof out === 'number') {
    const tag = bsonTag(original);
    if (tag === 'Int32' || tag === 'Double') return Object.is((original as { value: number }).value, out);
    return (tag === 'Long' || tag === 'Decimal128') && bsonEquals(out, original);
  }
  if (out instanceof RegExp) return bsonTag(original) === 'BSONRegExp' && bsonEquals(out, original);
  return false;
}

/**
 * Converts mingo output back to storable BSON values: numbers and RegExps that still equal the value
 * at the same place in the container they came from get their original wrapper back; new numbers
 * become Int32 or Double as the `bson` serializer would write them; RegExp becomes BSONRegExp.
 * @param original the stored value this output stands for, when the caller knows it.
 */
export function fromMingo(v: unknown, original?: unknown): unknown {
  if (original !== undefined && sameConverted(v, original)) return original;
  if (typeof v === 'number') return toBsonNumber(v);
  if (v instanceof RegExp) return new BSONRegExp(v.source, v.flags);
  if (v === null || typeof v !== 'object' || v instanceof Date) return v;
  const origin = originOf(v) ?? (original !== null && typeof original === 'object' ? original : undefined);
  if (isArray(v)) {
    const arr = isArray(origin) ? origin : [];
    return v.map((x, i) => fromMingo(x, arr[i]));
  }
  if (!isPlainDocument(v)) return v;
  const src = isPlainDocument(origin) ? origin : {};
  const out: Document = {};
  for (const k of Object.keys(v)) out[k] = fromMingo(v[k], src[k]);
  return out;
}
