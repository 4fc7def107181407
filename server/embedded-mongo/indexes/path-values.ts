/**
 * Values at a dotted path, the way MongoDB indexes and `distinct` see them: arrays along the path fan
 * out over their elements, numeric path parts also index into arrays, a leaf array contributes each of
 * its elements (multikey), and a missing value is reported as `undefined`.
 */
import type { Document } from 'bson';
import { isPlainDocument } from './bson-kinds';

/** Marker for an empty leaf array, which a multikey index stores as its own key. */
export const EMPTY_ARRAY = Symbol('emptyArray');

export interface PathValues {
  values: unknown[];
  /** Some array was traversed or expanded: the index becomes multikey. */
  sawArray: boolean;
}

function collect(
  value: unknown,
  parts: readonly string[],
  i: number,
  out: PathValues,
  expandLeaf: boolean,
): void {
  if (i === parts.length) {
    if (Array.isArray(value) && expandLeaf) {
      out.sawArray = true;
      if (value.length === 0) out.values.push(EMPTY_ARRAY);
      for (const el of value) out.values.push(el);
    } else {
      out.values.push(value);
    }
    return;
  }
  const part = parts[i] as string;
  if (Array.isArray(value)) {
    out.sawArray = true;
    if (/^\d+$/.test(part)) {
      const el: unknown = value[Number(part)];
      if (el !== undefined) collect(el, parts, i + 1, out, expandLeaf);
    }
    for (const el of value) {
      if (isPlainDocument(el)) collect(el, parts, i, out, expandLeaf);
    }
    return;
  }
  if (isPlainDocument(value)) {
    const child: unknown = value[part];
    if (child === undefined) out.values.push(undefined);
    else collect(child, parts, i + 1, out, expandLeaf);
    return;
  }
  out.values.push(undefined);
}

/** All values at `path` in `doc` (at least one entry; `undefined` when missing). */
export function valuesAtPath(doc: Document, path: string, expandLeaf = true): PathValues {
  const out: PathValues = { values: [], sawArray: false };
  collect(doc, path.split('.'), 0, out, expandLeaf);
  if (out.values.length === 0) out.values.push(undefined);
  return out;
}

/** The single value at a dotted path without array fan-out (undefined when missing or under an array). */
export function valueAtPath(doc: Document, path: string): unknown {
  let cur: unknown = doc;
  for (const part of path.split('.')) {
    if (!isPlainDocument(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** Returned by `singleValueAtPath` when the path meets an array (the caller must fan out). */
export const MULTIPLE = Symbol('multiple');

/**
 * The value at a pre-split path when no array is involved: the allocation-free fast path for index keys.
 * Returns MULTIPLE as soon as an array is met (at the leaf or along the way).
 */
export function singleValueAtPath(doc: Document, parts: readonly string[]): unknown {
  let cur: unknown = doc;
  for (let i = 0; i < parts.length; i++) {
    if (Array.isArray(cur)) return MULTIPLE;
    if (!isPlainDocument(cur)) return undefined;
    cur = cur[parts[i] as string];
  }
  return Array.isArray(cur) ? MULTIPLE : cur;
}
