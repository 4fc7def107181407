/**
 * The duplicate-key error exactly as mongod shapes it: code 11000, keyPattern/keyValue (mongoose maps
 * the error to a schema path through keyPattern) and the `E11000 ... dup key: { f: "v" }` message.
 */
import type { Document } from 'bson';
import { EngineError, ErrorCodes } from '../errors';
import { bsonTypeOf } from '../indexes/bson-kinds';

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value instanceof Date) return `new Date(${value.getTime()})`;
  if (Array.isArray(value)) return `[ ${value.map(formatValue).join(', ')} ]`;
  switch (bsonTypeOf(value)) {
    case 'ObjectId':
      return `ObjectId('${(value as { toHexString(): string }).toHexString()}')`;
    case 'Int32':
    case 'Double':
      return String((value as { value: number }).value);
    case 'Long':
      return (value as { toString(): string }).toString();
    case 'Decimal128':
      return `Decimal128("${(value as { toString(): string }).toString()}")`;
    case 'Binary':
      return `BinData(${(value as { sub_type: number }).sub_type}, ${(value as { toString(e: string): string }).toString('hex').toUpperCase()})`;
    case undefined:
      return formatDocument(value);
    default:
      return JSON.stringify(value) ?? 'null';
  }
}

function formatDocument(doc: Document): string {
  const parts = Object.entries(doc).map(([k, v]) => `${k}: ${formatValue(v)}`);
  return parts.length === 0 ? '{}' : `{ ${parts.join(', ')} }`;
}

/** Builds the EngineError for a unique-index violation. */
export function duplicateKeyError(
  ns: string,
  indexName: string,
  keyPattern: Document,
  keyValue: Document,
): EngineError {
  return new EngineError(
    ErrorCodes.DuplicateKey,
    'DuplicateKey',
    `E11000 duplicate key error collection: ${ns} index: ${indexName} dup key: ${formatDocument(keyValue)}`,
    { keyPattern, keyValue },
  );
}
