/**
 * Validation and comparison of createIndexes specifications, following mongod's rules: a name already
 * used with another key is IndexKeySpecsConflict (86); the same key under another name, or the same
 * name with other options, is IndexOptionsConflict (85); an identical request is a no-op.
 */
import type { Document } from 'bson';
import { EngineError, ErrorCodes } from '../errors';
import { isPlainDocument } from './bson-kinds';

/** Options that make two indexes on the same key different indexes. */
const COMPARED_OPTIONS = [
  'unique',
  'sparse',
  'partialFilterExpression',
  'expireAfterSeconds',
  'collation',
  'hidden',
];
const ALLOWED_OPTIONS = new Set([
  'key',
  'name',
  'v',
  'unique',
  'sparse',
  'partialFilterExpression',
  'expireAfterSeconds',
  'collation',
  'background',
  'hidden',
  'weights',
  'default_language',
  'language_override',
  'textIndexVersion',
  'ns',
  'storageEngine',
]);

function numeric(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  const tagged = v as { _bsontype?: string; value?: number; toNumber?: () => number } | null;
  if (tagged?._bsontype === 'Int32' || tagged?._bsontype === 'Double') return tagged.value;
  if (tagged?._bsontype === 'Long') return tagged.toNumber?.();
  return undefined;
}

function canonical(v: unknown): string {
  return JSON.stringify(
    v,
    (_k, val: unknown) => numeric(val) ?? (typeof val === 'bigint' ? Number(val) : val),
  );
}

function bad(code: number, codeName: string, message: string): EngineError {
  return new EngineError(code, codeName, message);
}

/** Default index name: `a_1_b_-1`. */
export function defaultIndexName(key: Document): string {
  return Object.entries(key)
    .map(([k, v]) => `${k}_${numeric(v) ?? String(v)}`)
    .join('_');
}

/** Validates one requested spec and returns the spec to store (with `v: 2` and a name). */
export function normalizeIndexSpec(raw: unknown): Document {
  if (!isPlainDocument(raw))
    throw bad(ErrorCodes.TypeMismatch, 'TypeMismatch', 'index specification must be an object');
  const key: unknown = raw.key;
  if (!isPlainDocument(key) || Object.keys(key).length === 0) {
    throw bad(
      ErrorCodes.FailedToParse,
      'FailedToParse',
      "Index specification must contain a non-empty 'key' object",
    );
  }
  for (const [field, dir] of Object.entries(key)) {
    const n = numeric(dir);
    const ok = (n !== undefined && n !== 0 && Number.isFinite(n)) || dir === 'text' || dir === 'hashed';
    if (!ok) {
      const reason =
        dir === '2dsphere' || dir === '2d'
          ? 'geo indexes are not supported by the embedded engine'
          : `bad index key pattern value for ${field}`;
      throw bad(67, 'CannotCreateIndex', reason);
    }
  }
  for (const option of Object.keys(raw)) {
    if (!ALLOWED_OPTIONS.has(option))
      throw bad(
        197,
        'InvalidIndexSpecificationOption',
        `The field '${option}' is not valid for an index specification`,
      );
  }
  if (raw.partialFilterExpression !== undefined && !isPlainDocument(raw.partialFilterExpression)) {
    throw bad(ErrorCodes.TypeMismatch, 'TypeMismatch', 'partialFilterExpression must be an object');
  }
  if (raw.expireAfterSeconds !== undefined && numeric(raw.expireAfterSeconds) === undefined) {
    throw bad(ErrorCodes.TypeMismatch, 'TypeMismatch', 'expireAfterSeconds must be a number');
  }
  if (raw.sparse === true && raw.partialFilterExpression !== undefined) {
    throw bad(ErrorCodes.BadValue, 'BadValue', 'cannot mix "partialFilterExpression" and "sparse" options');
  }
  const name = typeof raw.name === 'string' && raw.name.length > 0 ? raw.name : defaultIndexName(key);
  const { ns: _ns, background: _bg, ...rest } = raw;
  return { v: 2, key, name, ...rest };
}

export function sameKey(a: Document, b: Document): boolean {
  return canonical(a.key) === canonical(b.key);
}

export function sameOptions(a: Document, b: Document): boolean {
  return COMPARED_OPTIONS.every((o) => canonical(a[o] ?? null) === canonical(b[o] ?? null));
}

/**
 * Decides what to do with `spec` given existing specs: 'exists' (identical), 'create', or throws the
 * conflict error mongod would.
 */
export function resolveIndexRequest(spec: Document, existing: Document[]): 'exists' | 'create' {
  for (const cur of existing) {
    if (cur.name === spec.name) {
      if (!sameKey(cur, spec)) {
        throw bad(
          ErrorCodes.IndexKeySpecsConflict,
          'IndexKeySpecsConflict',
          `An existing index has the same name as the requested index. Requested index: ${canonical(spec)}, existing index: ${canonical(cur)}`,
        );
      }
      if (!sameOptions(cur, spec)) {
        throw bad(
          ErrorCodes.IndexOptionsConflict,
          'IndexOptionsConflict',
          `An equivalent index already exists with the same name but different options. Requested index: ${canonical(spec)}, existing index: ${canonical(cur)}`,
        );
      }
      return 'exists';
    }
    // Same key, collation and partial filter is the same index as far as mongod is concerned.
    const sameIdentity = ['collation', 'partialFilterExpression'].every(
      (o) => canonical(cur[o] ?? null) === canonical(spec[o] ?? null),
    );
    if (sameKey(cur, spec) && sameIdentity) {
      const message = sameOptions(cur, spec)
        ? `Index already exists with a different name: ${String(cur.name)}`
        : `An existing index has the same key pattern but different options: ${String(cur.name)}`;
      throw bad(ErrorCodes.IndexOptionsConflict, 'IndexOptionsConflict', message);
    }
  }
  return 'create';
}
