/**
 * Order-preserving string encoding of BSON values for the index structures.
 *
 * Why not compare values with compareBson inside the index: a plain string compare is an order of
 * magnitude cheaper, and one encoding serves both equality (unique checks, `$eq`/`$in` lookups) and ranges.
 * The encoding follows MongoDB's cross-type order (a leading type byte) and numeric order across
 * int32/long/double/decimal (values compare by value, so 1, 1.0 and Long(1) share one key, as they do in a
 * mongod unique index). Where it is approximate (embedded-document order, decimals without an exact double
 * image) the engine still re-applies the full filter to every candidate, so a candidate set is always a
 * superset of the matches; the index never decides a match by itself.
 *
 * An encoded value never contains '\x00': compound keys join their components with '\x00', and an index
 * entry appends the document's id key after one more '\x00'.
 */
import type { Document } from 'bson';
import { bsonTypeOf, isPlainDocument } from './bson-kinds';

/** Type bytes, in MongoDB's comparison order. */
export const TYPE = {
  minKey: '\x01',
  nullish: '\x02',
  number: '\x03',
  string: '\x04',
  object: '\x05',
  array: '\x06',
  binary: '\x07',
  objectId: '\x08',
  boolean: '\x09',
  date: '\x0a',
  timestamp: '\x0b',
  regex: '\x0c',
  maxKey: '\x0d',
} as const;

/** Key of an empty array in a multikey index (MongoDB indexes `[]` as undefined, distinct from null). */
export const EMPTY_ARRAY_KEY = '\x02\x01';

/** Turns a string into its collation comparison form (identity for the simple collation). */
export type StringTransform = (s: string) => string;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Order-preserving 16-hex-digit image of a double (NaN sorts below every number, as in MongoDB). */
export function encodeDouble(x: number): string {
  if (Number.isNaN(x)) return '0000000000000000';
  f64[0] = x === 0 ? 0 : x;
  let hi = u32[1] ?? 0;
  let lo = u32[0] ?? 0;
  if (hi & 0x80000000) {
    hi = ~hi >>> 0;
    lo = ~lo >>> 0;
  } else {
    hi = (hi | 0x80000000) >>> 0;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/** Canonical decimal text (no exponent games, no trailing zeros) used to tell exact from rounded. */
function canonicalDecimal(text: string): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return text;
  const digits = `${m[2] ?? ''}${m[3] ?? ''}`.replace(/^0+/, '');
  if (digits === '') return '0';
  const exp = Number(m[4] ?? 0) - (m[3] ?? '').length;
  const trimmed = digits.replace(/0+$/, '');
  return `${m[1] === '-' ? '-' : ''}${trimmed}e${exp + (digits.length - trimmed.length)}`;
}

function encodeNumber(value: unknown): string {
  const tag = bsonTypeOf(value);
  if (typeof value === 'number') return TYPE.number + encodeDouble(value);
  if (tag === 'Int32' || tag === 'Double')
    return TYPE.number + encodeDouble(Number((value as { value: number }).value));
  if (typeof value === 'bigint' || tag === 'Long') {
    const big = typeof value === 'bigint' ? value : (value as { toBigInt(): bigint }).toBigInt();
    const approx = Number(big);
    // Values beyond 2^53 share a double image with their neighbours: keep them distinct.
    return TYPE.number + encodeDouble(approx) + (BigInt(approx) === big ? '' : `~${big.toString()}`);
  }
  const text = String(value);
  const approx = Number.parseFloat(text);
  if (Number.isNaN(approx) || !Number.isFinite(approx)) return TYPE.number + encodeDouble(approx);
  const exact = canonicalDecimal(text) === canonicalDecimal(String(approx));
  return TYPE.number + encodeDouble(approx) + (exact ? '' : `~${canonicalDecimal(text)}`);
}

/** Escapes the two bytes the encoding reserves, keeping the encoding injective. */
function escapeText(s: string): string {
  return s.includes('\x00') || s.includes('\x01')
    ? s.replaceAll('\x01', '\x01\x01').replaceAll('\x00', '\x01\x02')
    : s;
}

function lengthPrefixed(s: string): string {
  return `${s.length.toString(36)}:${s}`;
}

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Encodes one BSON value. `collate` transforms strings for a collation-aware index. */
export function encodeKeyValue(value: unknown, collate?: StringTransform): string {
  if (value === undefined || value === null) return TYPE.nullish;
  if (typeof value === 'string') return TYPE.string + escapeText(collate ? collate(value) : value);
  if (typeof value === 'boolean') return TYPE.boolean + (value ? '1' : '0');
  if (typeof value === 'number' || typeof value === 'bigint') return encodeNumber(value);
  if (value instanceof Date) return TYPE.date + encodeDouble(value.getTime());
  if (value instanceof RegExp) return TYPE.regex + escapeText(`${value.source}\x01\x03${value.flags}`);
  if (Array.isArray(value))
    return TYPE.array + value.map((v) => lengthPrefixed(encodeKeyValue(v, collate))).join('');
  const tag = bsonTypeOf(value);
  switch (tag) {
    case 'Int32':
    case 'Double':
    case 'Long':
    case 'Decimal128':
      return encodeNumber(value);
    case 'ObjectId':
    case 'ObjectID':
      return TYPE.objectId + (value as { toHexString(): string }).toHexString();
    case 'Binary': {
      const bin = value as { sub_type: number; buffer: Uint8Array; position: number };
      const bytes = bin.buffer.subarray(0, bin.position);
      // MongoDB orders binaries by length, then subtype, then bytes.
      return `${TYPE.binary}${bytes.length.toString(16).padStart(8, '0')}${bin.sub_type.toString(16).padStart(2, '0')}${hexOf(bytes)}`;
    }
    case 'Timestamp': {
      const ts = value as { high: number; low: number };
      return (
        TYPE.timestamp +
        (ts.high >>> 0).toString(16).padStart(8, '0') +
        (ts.low >>> 0).toString(16).padStart(8, '0')
      );
    }
    case 'BSONRegExp': {
      const re = value as { pattern: string; options: string };
      return TYPE.regex + escapeText(`${re.pattern}\x01\x03${re.options}`);
    }
    case 'MinKey':
      return TYPE.minKey;
    case 'MaxKey':
      return TYPE.maxKey;
    case 'BSONSymbol':
      return TYPE.string + escapeText(String((value as { value: string }).value));
    case 'Code':
      return TYPE.regex + '\x7f' + escapeText(String((value as { code: string }).code));
    case 'DBRef': {
      const ref = value as { collection: string; oid: unknown; db?: string };
      return encodeKeyValue(
        { $ref: ref.collection, $id: ref.oid, ...(ref.db ? { $db: ref.db } : {}) },
        collate,
      );
    }
    default:
      break;
  }
  if (ArrayBuffer.isView(value)) {
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return `${TYPE.binary}${bytes.length.toString(16).padStart(8, '0')}00${hexOf(bytes)}`;
  }
  if (isPlainDocument(value)) {
    let out: string = TYPE.object;
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      out += lengthPrefixed(k) + lengthPrefixed(encodeKeyValue(v, collate));
    }
    return out;
  }
  return TYPE.nullish;
}

/** The first character past a type's range: the exclusive upper bound of "all values of this type". */
export function nextTypeByte(encoded: string): string {
  return String.fromCharCode(encoded.charCodeAt(0) + 1);
}

/** Canonical map key of an `_id` value (equal ids, e.g. 1 and 1.0, share one key, as in mongod). */
export function idKeyOf(id: unknown): string {
  return encodeKeyValue(id);
}

/** Builds a collation string transform for equality-only use, or undefined for the simple collation. */
export function collationTransform(collation: Document | undefined): StringTransform | undefined {
  if (!collation || collation.locale === 'simple' || collation.locale === undefined) return undefined;
  const strength = Number(collation.strength ?? 3);
  if (strength >= 3) return (s) => s.normalize('NFC');
  if (strength === 2) return (s) => s.normalize('NFC').toLowerCase();
  return (s) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** Identity of a collation for deciding whether a query may use an index built with one. */
export function collationIdentity(collation: Document | undefined): string {
  if (!collation || collation.locale === undefined || collation.locale === 'simple') return 'simple';
  const locale = String(collation.locale).replace(/_/g, '-').toLowerCase();
  return `${locale}/${String(collation.strength ?? 3)}/${String(collation.caseLevel ?? false)}`;
}
