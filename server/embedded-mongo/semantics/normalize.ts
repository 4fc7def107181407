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

/** Converted container → the original it was made from. */
export type Provenance = WeakMap<object, object>;

/**
 * The provenance of every converted document. Keys are the converted containers themselves, so
 * entries die with them; operators evaluated inside a pipeline use it to see stored types.
 */
export const sharedProvenance: Provenance = new WeakMap();

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

/** Converts one value (deeply) into mingo's value space, recording provenance of containers. */
export function toMingo(v: unknown, provenance?: Provenance): unknown {
  if (v === null || typeof v !== 'object' || v instanceof Date) return v;
  if (isArray(v)) {
    const out = v.map((x) => toMingo(x, provenance));
    provenance?.set(out, v);
    return out;
  }
  const tag = bsonTag(v);
  if (tag === 'Int32' || tag === 'Double' || tag === 'Long' || tag === 'Decimal128') return numberOf(v);
  if (tag === 'BSONRegExp') return toJsRegExp((v as BSONRegExp).pattern, (v as BSONRegExp).options);
  if (!isPlainDocument(v)) return v;
  const out: Document = {};
  for (const [k, x] of Object.entries(v)) out[k] = toMingo(x, provenance);
  provenance?.set(out, v);
  return out;
}

/** Whether an output value is still the converted form of the original value. */
function sameConverted(out: unknown, original: unknown): boolean {
  if (typeof out === 'number') return typeof numberOf(original) === 'number' && bsonEquals(out, original);
  if (out instanceof RegExp) return bsonTag(original) === 'BSONRegExp' && bsonEquals(out, original);
  return false;
}

/**
 * Converts mingo output back to storable BSON values: numbers and RegExps that still equal the value
 * at the same place in the container they came from get their original wrapper back; new numbers
 * become Int32 or Double as the `bson` serializer would write them; RegExp becomes BSONRegExp.
 */
export function fromMingo(v: unknown, provenance: Provenance, original?: unknown): unknown {
  if (original !== undefined && sameConverted(v, original)) return original;
  if (typeof v === 'number') return toBsonNumber(v);
  if (v instanceof RegExp) return new BSONRegExp(v.source, v.flags);
  if (v === null || typeof v !== 'object' || v instanceof Date) return v;
  const origin =
    provenance.get(v) ?? (original !== null && typeof original === 'object' ? original : undefined);
  if (isArray(v)) {
    const arr = isArray(origin) ? origin : [];
    return v.map((x, i) => fromMingo(x, provenance, arr[i]));
  }
  if (!isPlainDocument(v)) return v;
  const src = isPlainDocument(origin) ? origin : {};
  const out: Document = {};
  for (const [k, x] of Object.entries(v)) out[k] = fromMingo(x, provenance, src[k]);
  return out;
}
