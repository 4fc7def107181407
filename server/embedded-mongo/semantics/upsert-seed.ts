/**
 * The document an upsert starts from when nothing matched: the equality conditions of the filter
 * (`{a: 1}`, `{a: {$eq: 1}}`, a one-element `$in`, and those inside `$and`), dotted paths expanded
 * into embedded documents, `_id` first.
 */
import type { Document } from 'bson';
import { bsonTag, isPlainDocument, isArray } from './bson-types.js';
import { copyValue, setAt } from './update-paths.js';

function equalityValue(cond: unknown): { value: unknown } | undefined {
  if (cond instanceof RegExp || bsonTag(cond) === 'BSONRegExp') return undefined;
  if (!isPlainDocument(cond)) return { value: cond };
  const keys = Object.keys(cond);
  if (!keys.some((k) => k.startsWith('$'))) return { value: cond };
  if ('$eq' in cond) return equalityValue(cond.$eq) && { value: cond.$eq };
  if (isArray(cond.$in) && cond.$in.length === 1) return equalityValue(cond.$in[0]);
  return undefined;
}

function collect(filter: Document, seed: Document): void {
  for (const [key, cond] of Object.entries(filter)) {
    if (key === '$and' && isArray(cond)) {
      for (const sub of cond) if (isPlainDocument(sub)) collect(sub, seed);
      continue;
    }
    if (key.startsWith('$')) continue; // $or, $nor, $expr... give no single value to insert
    const eq = equalityValue(cond);
    if (eq) setAt(seed, key.split('.'), copyValue(eq.value));
  }
}

/**
 * The equality fields of a filter, used as the base document of an upsert insert.
 * @example upsertSeed({email: 'a@b', 'profile.kind': {$eq: 'x'}, n: {$gt: 1}}) // {email: 'a@b', profile: {kind: 'x'}}
 */
export function upsertSeed(filter: Document): Document {
  const seed: Document = {};
  collect(filter, seed);
  if (seed._id === undefined) return seed;
  const { _id, ...rest } = seed as Record<string, unknown>;
  return { _id, ...rest };
}
