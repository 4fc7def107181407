/**
 * Classification of decoded BSON values. Documents reach the engine decoded with `promoteValues: false`
 * and `bsonRegExp: true`, so a value is either a JS primitive, a Date, an array, a plain object, or one
 * of the `bson` wrapper classes (recognised by their `_bsontype` tag rather than `instanceof`, so two
 * copies of the `bson` package still interoperate).
 */
import type { Binary, Decimal128, Long, Timestamp } from 'bson';

/** The `_bsontype` tag of a bson wrapper object, if any. */
export function bsonTag(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const tag = (v as { _bsontype?: unknown })._bsontype;
  return typeof tag === 'string' ? tag : undefined;
}

/** True for a plain JS object used as an embedded document (not a bson wrapper, Date or array). */
export function isPlainDocument(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Date) return false;
  if (v instanceof RegExp || ArrayBuffer.isView(v)) return false;
  return bsonTag(v) === undefined;
}

/** MongoDB's type names, as `$type` and the `$type` expression spell them. */
export type BsonTypeName =
  | 'double'
  | 'string'
  | 'object'
  | 'array'
  | 'binData'
  | 'undefined'
  | 'objectId'
  | 'bool'
  | 'date'
  | 'null'
  | 'regex'
  | 'dbPointer'
  | 'javascript'
  | 'symbol'
  | 'int'
  | 'timestamp'
  | 'long'
  | 'decimal'
  | 'minKey'
  | 'maxKey'
  | 'missing';

const TAG_TO_TYPE: Record<string, BsonTypeName> = {
  Double: 'double',
  Int32: 'int',
  Long: 'long',
  Decimal128: 'decimal',
  ObjectId: 'objectId',
  Binary: 'binData',
  Timestamp: 'timestamp',
  BSONRegExp: 'regex',
  MinKey: 'minKey',
  MaxKey: 'maxKey',
  Code: 'javascript',
  BSONSymbol: 'symbol',
  DBRef: 'object',
};

/**
 * The BSON type a value would be stored as. Plain JS numbers follow the `bson` serializer: an integer
 * that fits in 32 bits is an int, anything else a double; a bigint is a long.
 */
export function bsonTypeOf(v: unknown): BsonTypeName {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  switch (typeof v) {
    case 'number':
      return Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 && !Object.is(v, -0)
        ? 'int'
        : 'double';
    case 'bigint':
      return 'long';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'function':
      return 'javascript';
    default:
      break;
  }
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'date';
  if (v instanceof RegExp) return 'regex';
  if (ArrayBuffer.isView(v)) return 'binData';
  const tag = bsonTag(v);
  if (tag !== undefined) return TAG_TO_TYPE[tag] ?? 'object';
  return 'object';
}

/** MongoDB's numeric type codes and names accepted by `$type`, mapped to the canonical name. */
const TYPE_ALIASES: Record<string, BsonTypeName | 'number'> = {
  '1': 'double',
  '2': 'string',
  '3': 'object',
  '4': 'array',
  '5': 'binData',
  '6': 'undefined',
  '7': 'objectId',
  '8': 'bool',
  '9': 'date',
  '10': 'null',
  '11': 'regex',
  '12': 'dbPointer',
  '13': 'javascript',
  '14': 'symbol',
  '16': 'int',
  '17': 'timestamp',
  '18': 'long',
  '19': 'decimal',
  '-1': 'minKey',
  '127': 'maxKey',
  number: 'number',
};
for (const name of Object.values(TAG_TO_TYPE).concat([
  'string',
  'array',
  'undefined',
  'bool',
  'date',
  'null',
])) {
  TYPE_ALIASES[name] = name;
}

/** Resolves a `$type` operand (name, alias or numeric code) to a canonical name, or undefined. */
export function resolveTypeAlias(spec: unknown): BsonTypeName | 'number' | undefined {
  const n = numberOf(spec);
  const key = n !== undefined ? String(n) : typeof spec === 'string' ? spec : undefined;
  return key === undefined ? undefined : TYPE_ALIASES[key];
}

/** True for any BSON numeric value (int, long, double, decimal, or a JS number/bigint). */
export function isNumeric(v: unknown): boolean {
  if (typeof v === 'number' || typeof v === 'bigint') return true;
  const tag = bsonTag(v);
  return tag === 'Int32' || tag === 'Double' || tag === 'Long' || tag === 'Decimal128';
}

/**
 * A numeric value as a JS number (lossy for longs beyond 2^53 and for decimals). Used where MongoDB
 * itself takes a small integer or a double (limits, `$slice`, sort directions, `$type` codes).
 */
export function numberOf(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  switch (bsonTag(v)) {
    case 'Int32':
    case 'Double':
      return (v as { value: number }).value;
    case 'Long':
      return (v as Long).toNumber();
    case 'Decimal128':
      return Number((v as Decimal128).toString());
    default:
      return undefined;
  }
}

/** The bytes of a Binary value (its buffer may be longer than its logical length). */
export function binaryBytes(v: Binary): Uint8Array {
  return v.buffer.subarray(0, v.position);
}

/** The (seconds, increment) pair of a Timestamp, both unsigned. */
export function timestampParts(v: Timestamp): [number, number] {
  return [v.t, v.i];
}

/** A document with its values typed `unknown` (bson's `Document` types them `any`). */
export type Doc = Record<string, unknown>;

/** `Array.isArray` narrowing to `unknown[]` rather than `any[]`. */
export const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
