/**
 * Small type tests over decoded BSON values. Documents are decoded with `promoteValues: false`, so
 * numbers arrive as Int32/Double/Long/Decimal128 wrappers; values built in JS (update results, `$inc`)
 * may be plain numbers or bigints. Everything here accepts both.
 */
import type { Document } from 'bson';

/** The `_bsontype` tag of a bson wrapper value, or undefined for plain JS values. */
export function bsonTypeOf(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const tag = (value as { _bsontype?: unknown })._bsontype;
  return typeof tag === 'string' ? tag : undefined;
}

/** A plain embedded document (not an array, Date, RegExp, binary or bson wrapper). */
export function isPlainDocument(value: unknown): value is Document {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value) || value instanceof Date || value instanceof RegExp) return false;
  if (ArrayBuffer.isView(value)) return false;
  return bsonTypeOf(value) === undefined;
}

/** True for numeric BSON values of any width. */
export function isNumeric(value: unknown): boolean {
  if (typeof value === 'number' || typeof value === 'bigint') return true;
  const tag = bsonTypeOf(value);
  return tag === 'Int32' || tag === 'Double' || tag === 'Long' || tag === 'Decimal128';
}

/** A regular expression value (a filter value that means "match", never "equal"). */
export function isRegexValue(value: unknown): boolean {
  return value instanceof RegExp || bsonTypeOf(value) === 'BSONRegExp';
}
