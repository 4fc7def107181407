/**
 * Path handling for update operators: copying a document so it can be changed without touching the
 * stored one, reading and writing dotted paths with MongoDB's rules (numeric components index arrays,
 * missing intermediates become documents, scalars in the way are errors), conflict detection between
 * the paths of one update, and expansion of the positional forms `$`, `$[]` and `$[<id>]`.
 */
import type { Document } from 'bson';
import { isPlainDocument, isArray } from './bson-types.js';
import { fail } from './fail.js';

/** Deep-copies documents and arrays; bson wrappers and Dates are immutable values and are shared. */
export function copyValue<T>(v: T): T {
  if (isArray(v)) return v.map(copyValue) as T;
  if (isPlainDocument(v)) {
    const out: Document = {};
    for (const [k, x] of Object.entries(v)) out[k] = copyValue(x);
    return out as T;
  }
  return v;
}

const isIndex = (part: string): boolean => /^\d+$/.test(part);

/** Reads a concrete path (numeric components index arrays; no implicit array traversal). */
export function getAt(doc: unknown, parts: string[]): unknown {
  let cur: unknown = doc;
  for (const part of parts) {
    if (isArray(cur)) cur = isIndex(part) ? cur[Number(part)] : undefined;
    else if (isPlainDocument(cur)) cur = Object.hasOwn(cur, part) ? cur[part] : undefined;
    else return undefined;
  }
  return cur;
}

function describe(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** The container holding the last component of `parts`, creating missing documents on the way. */
function parentForWrite(doc: Document, parts: string[]): Document | unknown[] {
  let cur: Document | unknown[] = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i] as string;
    let next: unknown;
    if (isArray(cur)) {
      if (!isIndex(part))
        throw fail(
          'PathNotViable',
          `Cannot create field '${part}' in element {${parts[i - 1] ?? ''}: ${describe(cur)}}`,
        );
      next = cur[Number(part)];
    } else next = cur[part];
    if (next === undefined) {
      next = {};
      if (isArray(cur)) {
        while (cur.length < Number(part)) cur.push(null);
        cur[Number(part)] = next;
      } else cur[part] = next;
    } else if (!isArray(next) && !isPlainDocument(next)) {
      throw fail(
        'PathNotViable',
        `Cannot create field '${parts[i + 1] ?? ''}' in element {${part}: ${describe(next)}}`,
      );
    }
    cur = next as Document | unknown[];
  }
  return cur;
}

/** Writes `value` at a concrete path; array indexes past the end pad with null as MongoDB does. */
export function setAt(doc: Document, parts: string[], value: unknown): void {
  const parent = parentForWrite(doc, parts);
  const last = parts[parts.length - 1] as string;
  if (isArray(parent)) {
    if (!isIndex(last))
      throw fail('PathNotViable', `Cannot create field '${last}' in element {${describe(parent)}}`);
    while (parent.length < Number(last)) parent.push(null);
    parent[Number(last)] = value;
  } else {
    parent[last] = value;
  }
}

/** Removes a concrete path; an array element is set to null rather than removed (MongoDB's $unset). */
export function unsetAt(doc: Document, parts: string[]): boolean {
  const parent = getAt(doc, parts.slice(0, -1));
  const last = parts[parts.length - 1] as string;
  if (isArray(parent)) {
    if (!isIndex(last) || Number(last) >= parent.length) return false;
    parent[Number(last)] = null;
    return true;
  }
  if (!isPlainDocument(parent) || !Object.hasOwn(parent, last)) return false;
  delete parent[last];
  return true;
}

/** Throws ConflictingUpdateOperators when two paths are equal or one is a prefix of the other. */
export function assertNoConflicts(paths: string[]): void {
  const split = paths.map((p) => p.split('.'));
  for (let i = 0; i < split.length; i++) {
    for (let j = i + 1; j < split.length; j++) {
      const a = split[i] as string[];
      const b = split[j] as string[];
      const n = Math.min(a.length, b.length);
      if (a.slice(0, n).every((part, k) => part === b[k])) {
        const [longer, shorter] = a.length >= b.length ? [paths[i], paths[j]] : [paths[j], paths[i]];
        throw fail(
          'ConflictingUpdateOperators',
          `Updating the path '${longer}' would create a conflict at '${shorter}'`,
        );
      }
    }
  }
}

/** Resolves the element indexes selected by `$` and `$[<id>]` components. */
export interface PositionalResolver {
  /** Index matched by the query for the array at `arrayPath` (`$`). */
  queryMatch(arrayPath: string[], array: unknown[]): number;
  /** Whether the element satisfies the array filter named `id` (`$[id]`). */
  arrayFilter(id: string, element: unknown): boolean;
}

/** Expands a path with positional components into the concrete paths it designates in `doc`. */
export function expandPath(doc: Document, path: string, resolver: PositionalResolver): string[][] {
  let results: string[][] = [[]];
  for (const part of path.split('.')) {
    if (!part.startsWith('$')) {
      results = results.map((r) => [...r, part]);
      continue;
    }
    const next: string[][] = [];
    for (const prefix of results) {
      const array = getAt(doc, prefix);
      if (!isArray(array)) {
        throw fail(
          'BadValue',
          `The path '${prefix.join('.')}' must exist in the document in order to apply array updates.`,
        );
      }
      if (part === '$') next.push([...prefix, String(resolver.queryMatch(prefix, array))]);
      else if (part === '$[]') array.forEach((_, i) => next.push([...prefix, String(i)]));
      else {
        const m = /^\$\[([a-z][A-Za-z0-9]*)\]$/.exec(part);
        if (!m) throw fail('BadValue', `Unknown positional operator '${part}' in path '${path}'`);
        array.forEach((el, i) => {
          if (resolver.arrayFilter(m[1] as string, el)) next.push([...prefix, String(i)]);
        });
      }
    }
    results = next;
  }
  return results;
}

/** Orders concrete paths as MongoDB applies them: component-wise, numeric components numerically. */
export function comparePaths(a: string[], b: string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x === y) continue;
    if (isIndex(x) && isIndex(y)) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}
