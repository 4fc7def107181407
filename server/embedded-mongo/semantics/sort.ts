/**
 * Sorting with MongoDB semantics: BSON type order, numbers by value across types, collation for
 * strings, and array fields keyed by their smallest element ascending and their largest descending
 * (mingo uses the smallest both ways).
 */
import type { Document } from 'bson';
import { Lazy, type Iterator } from 'mingo/lazy';
import type { Options } from 'mingo/types';
import { isPlainDocument, numberOf, isArray } from './bson-types.js';
import { compareBson } from './bson-compare.js';
import { collationComparator, type StringComparator } from './collation.js';
import { fail } from './fail.js';

interface SortField {
  parts: string[];
  direction: 1 | -1;
}

/** Parses a sort specification; `$meta` keys (text score) sort as equal. */
function parseSort(sort: Document): SortField[] {
  const fields: SortField[] = [];
  for (const [path, dir] of Object.entries(sort)) {
    if (isPlainDocument(dir) && '$meta' in dir) continue;
    const n = numberOf(dir);
    if (n !== 1 && n !== -1)
      throw fail('BadValue', `$sort key ordering must be 1 (for ascending) or -1 (for descending)`);
    fields.push({ parts: path.split('.'), direction: n });
  }
  return fields;
}

function collect(value: unknown, parts: string[], i: number, out: unknown[]): void {
  if (i === parts.length) {
    if (isArray(value)) {
      if (value.length === 0) out.push(undefined);
      else out.push(...value);
    } else out.push(value);
    return;
  }
  const part = parts[i] as string;
  if (isArray(value)) {
    if (/^\d+$/.test(part) && Number(part) < value.length) collect(value[Number(part)], parts, i + 1, out);
    for (const el of value) if (isPlainDocument(el)) collect(el[part], parts, i + 1, out);
    return;
  }
  collect(isPlainDocument(value) ? value[part] : undefined, parts, i + 1, out);
}

/** The sort key of a document for one field: min of the values ascending, max descending. */
export function sortKey(
  doc: unknown,
  parts: string[],
  direction: 1 | -1,
  strCmp?: StringComparator,
): unknown {
  const values: unknown[] = [];
  collect(doc, parts, 0, values);
  let best = values[0];
  for (let i = 1; i < values.length; i++) {
    const c = compareBson(values[i], best, strCmp);
    if (direction === 1 ? c < 0 : c > 0) best = values[i];
  }
  return best;
}

/**
 * Sorts documents by a MongoDB sort specification. Stable (ties keep input order) and returns a new
 * array; the documents themselves are not copied.
 */
export function sortDocuments<T>(docs: T[], sort: Document, collation?: Document): T[] {
  const fields = parseSort(sort);
  if (fields.length === 0) return docs.slice();
  const strCmp = collationComparator(collation);
  const keyed = docs.map((doc, index) => ({
    doc,
    index,
    keys: fields.map((f) => sortKey(doc, f.parts, f.direction, strCmp)),
  }));
  keyed.sort((x, y) => {
    for (let i = 0; i < fields.length; i++) {
      const c = compareBson(x.keys[i], y.keys[i], strCmp);
      if (c !== 0) return c * (fields[i] as SortField).direction;
    }
    return x.index - y.index;
  });
  return keyed.map((k) => k.doc);
}

/** The `$sort` pipeline stage for the engine's mingo context. */
export function $sort(coll: Iterator, expr: Document, options: Options): Iterator {
  return coll.transform((items: unknown[]) =>
    Lazy(sortDocuments(items, expr, options.collation as Document | undefined)),
  );
}
