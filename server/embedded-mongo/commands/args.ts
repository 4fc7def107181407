/**
 * Reading command arguments. Requests are decoded with `promoteValues: false`, so a client's `limit: 5`
 * arrives as an Int32 wrapper: every numeric argument goes through these helpers, and specification
 * documents (sort, projection, index keys) are unwrapped before the semantics layer sees them, where an
 * Int32(0) object would otherwise be truthy.
 */
import type { Document } from 'bson';
import { EngineError, ErrorCodes } from '../errors';
import { bsonTypeOf, isPlainDocument } from '../indexes/bson-kinds';

/** Error for a malformed argument (code 2 BadValue, or 14 TypeMismatch as mongod uses for wrong types). */
export function badValue(message: string): EngineError {
  return new EngineError(ErrorCodes.BadValue, 'BadValue', message);
}

export function typeMismatch(message: string): EngineError {
  return new EngineError(ErrorCodes.TypeMismatch, 'TypeMismatch', message);
}

/** A number from a plain or wrapped numeric value; undefined for anything else. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  switch (bsonTypeOf(value)) {
    case 'Int32':
    case 'Double':
      return (value as { value: number }).value;
    case 'Long':
      return (value as { toNumber(): number }).toNumber();
    case 'Decimal128':
      return Number.parseFloat(String(value));
    default:
      return undefined;
  }
}

/** An optional non-negative integer argument (limit, skip, batchSize). */
export function optionalCount(body: Document, field: string): number | undefined {
  const raw: unknown = body[field];
  if (raw === undefined || raw === null) return undefined;
  const n = toNumber(raw);
  if (n === undefined || !Number.isFinite(n)) throw typeMismatch(`Field '${field}' should be a number`);
  return Math.trunc(n);
}

export function optionalDocument(body: Document, field: string): Document | undefined {
  const raw: unknown = body[field];
  if (raw === undefined || raw === null) return undefined;
  if (!isPlainDocument(raw)) throw typeMismatch(`Field '${field}' should be an object`);
  return raw;
}

export function requireString(body: Document, field: string): string {
  const raw: unknown = body[field];
  if (typeof raw !== 'string') throw typeMismatch(`Field '${field}' must be a string`);
  return raw;
}

export function optionalArray(body: Document, field: string): unknown[] | undefined {
  const raw: unknown = body[field];
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw typeMismatch(`Field '${field}' should be an array`);
  return raw as unknown[];
}

/** Truthiness as mongod reads boolean-ish options (`true`, 1, 1.0). */
export function isTruthy(value: unknown): boolean {
  const n = toNumber(value);
  return n !== undefined ? n !== 0 : Boolean(value);
}

/** Deep copy of a specification document with numeric wrappers turned into JS numbers. */
export function unwrapSpec(value: unknown): unknown {
  const n = toNumber(value);
  if (n !== undefined && typeof value === 'object') return n;
  if (Array.isArray(value)) return value.map(unwrapSpec);
  if (isPlainDocument(value)) {
    const out: Document = {};
    for (const [k, v] of Object.entries(value)) out[k] = unwrapSpec(v);
    return out;
  }
  return value;
}

/** `unwrapSpec` for an optional document argument. */
export function optionalSpec(body: Document, field: string): Document | undefined {
  const doc = optionalDocument(body, field);
  return doc === undefined ? undefined : (unwrapSpec(doc) as Document);
}
