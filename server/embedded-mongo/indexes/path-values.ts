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

/** One value per indexed field; `undefined` where a field is missing. */
export type KeyTuple = unknown[];

function leafValues(value: unknown): unknown[] {
  if (!Array.isArray(value)) return [value];
  return value.length === 0 ? [EMPTY_ARRAY] : value;
}

/**
 * The key tuples of a compound index over `paths` (each pre-split), generated the way mongod does:
 * fields whose paths pass through the same array advance through it in lockstep, one tuple per element
 * (so `{'ids.channel': 1, 'ids.externalId': 1}` pairs each element's own channel and id, never one
 * element's channel with another's id); independent parts combine as a product.
 */
export function keyTuples(doc: Document, paths: readonly string[][]): KeyTuple[] {
  const out = resolveMany(
    doc,
    paths.map((p, i) => ({ field: i, rest: p })),
  );
  return out.map((partial) => paths.map((_, i) => partial.get(i)));
}

interface PendingField {
  field: number;
  rest: readonly string[];
}

type Partial = Map<number, unknown>;

function product(a: Partial[], b: Partial[]): Partial[] {
  const out: Partial[] = [];
  for (const x of a) for (const y of b) out.push(new Map([...x, ...y]));
  return out;
}

function resolveMany(value: unknown, fields: PendingField[]): Partial[] {
  const leaves = fields.filter((f) => f.rest.length === 0);
  const deeper = fields.filter((f) => f.rest.length > 0);
  let result: Partial[] = [new Map<number, unknown>()];
  for (const leaf of leaves)
    result = product(
      result,
      leafValues(value).map((v) => new Map([[leaf.field, v]])),
    );
  if (deeper.length === 0) return result;
  if (Array.isArray(value)) {
    // Every field continuing through this array takes its values from the same element.
    const positional = deeper.filter((f) => /^\d+$/.test(f.rest[0] as string));
    const through = deeper.filter((f) => !/^\d+$/.test(f.rest[0] as string));
    let perElement: Partial[] = [];
    if (through.length > 0) {
      for (const el of value) if (isPlainDocument(el)) perElement.push(...resolveMany(el, through));
      if (perElement.length === 0) perElement = [new Map(through.map((f) => [f.field, undefined]))];
    } else {
      perElement = [new Map<number, unknown>()];
    }
    for (const f of positional) {
      const el: unknown = value[Number(f.rest[0])];
      perElement = product(perElement, resolveMany(el, [{ field: f.field, rest: f.rest.slice(1) }]));
    }
    return product(result, perElement);
  }
  if (!isPlainDocument(value)) {
    return product(result, [new Map(deeper.map((f) => [f.field, undefined]))]);
  }
  const byHead = new Map<string, PendingField[]>();
  for (const f of deeper) {
    const head = f.rest[0] as string;
    const group = byHead.get(head) ?? [];
    group.push({ field: f.field, rest: f.rest.slice(1) });
    byHead.set(head, group);
  }
  for (const [head, group] of byHead) result = product(result, resolveMany(value[head], group));
  return result;
}
