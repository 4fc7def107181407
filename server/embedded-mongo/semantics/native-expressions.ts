/**
 * Aggregation expressions compiled for the native aggregation path (native-pipeline.ts): field paths,
 * `$$ROOT`/`let` variables, literals, comparisons, `$and`/`$or`/`$not`, `$ifNull`, `$cond` and `$in`,
 * evaluated directly on stored documents. Anything else compiles to undefined and the stage goes to mingo.
 *
 * Within one stage, a subexpression written more than once (a report's `$group` reads `$status` or the
 * same "open complaint" condition in several counters) is evaluated once per document: the compiler
 * counts structurally equal subexpressions first and shares one cached closure for those that repeat.
 * Expressions here are pure, so the cache (keyed by the document object) cannot change a result.
 */
import type { Document } from 'bson';
import { compareBson } from './bson-compare.js';
import { bsonTag, isArray, isNumeric, isPlainDocument, numberOf } from './bson-types.js';
import { collationComparator, type StringComparator } from './collation.js';
import { fail } from './fail.js';

export type Expr = (doc: Document) => unknown;

/** The options the native stages honour (the aggregate command's). */
export interface NativeOptions {
  collation?: Document;
  let?: Document;
}

/**
 * The subexpressions of one stage: how often each canonical form occurs, and the shared closure of
 * those that occur more than once.
 */
export interface SharedExpressions {
  counts: Map<string, number>;
  compiled: Map<string, Expr>;
}

/** MongoDB truthiness: false, null, missing and numeric zero are false; everything else true. */
export function truthy(v: unknown): boolean {
  if (v === true) return true;
  if (v === false || v === null || v === undefined) return false;
  return isNumeric(v) ? !!numberOf(v) : true;
}

/** Stored embedded documents are object literals: their prototype settles it without the wrapper checks. */
const isDocumentFast = (v: unknown): v is Record<string, unknown> =>
  v !== null &&
  typeof v === 'object' &&
  (Object.getPrototypeOf(v) === Object.prototype ? true : isPlainDocument(v));

/** A path's value; through arrays, the values of each element (missing ones left out), as MongoDB. */
export function resolvePath(v: unknown, parts: readonly string[], i: number): unknown {
  let current = v;
  for (let at = i; at < parts.length; at++) {
    if (isArray(current)) {
      const out: unknown[] = [];
      for (const el of current) {
        const r = isDocumentFast(el) || isArray(el) ? resolvePath(el, parts, at) : undefined;
        if (r !== undefined) out.push(r);
      }
      return out;
    }
    if (!isDocumentFast(current)) return undefined;
    const key = parts[at] as string;
    current = Object.hasOwn(current, key) ? current[key] : undefined;
  }
  return current;
}

/** One step of a path: a field of a document, or of each element of an array. */
function step(v: unknown, key: string, parts: readonly string[]): unknown {
  if (isDocumentFast(v)) return Object.hasOwn(v, key) ? v[key] : undefined;
  return isArray(v) ? resolvePath(v, parts, 0) : undefined;
}

/**
 * A field path. Resolving `a.b.c` equals resolving `c` on the value of `a.b` (through arrays too), so
 * when the stage shares the prefix (`sla.firstResponse` of two durations) it is read once per document.
 */
function compilePath(path: string, c: Compiler): Expr | undefined {
  const parts = path.split('.');
  // Numeric parts and empty names: mingo's reading differs from MongoDB's; leave them to mingo.
  if (parts.some((p) => p === '' || /^\d+$/.test(p))) return undefined;
  const last = parts.slice(-1);
  const key = last[0] as string;
  if (parts.length === 1) return (doc) => step(doc, key, last);
  const prefix = `$${parts.slice(0, -1).join('.')}`;
  if ((c.shared?.counts.get(prefix) ?? 0) < 2) return (doc) => resolvePath(doc, parts, 0);
  const parent = compileWith(prefix, c) as Expr;
  return (doc) => step(parent(doc), key, last);
}

/**
 * `compareBson` with the common same-type cases first (strings without a collation, dates, int32s,
 * plain numbers): the same answer, without ranking both types.
 */
export function compareFast(a: unknown, b: unknown, strCmp: StringComparator): number {
  const ta = typeof a;
  if (ta === typeof b) {
    if (ta === 'string' && !strCmp) return (a as string) < (b as string) ? -1 : a === b ? 0 : 1;
    if (ta === 'object' && a !== null && b !== null) {
      if (a instanceof Date && b instanceof Date) {
        const x = a.getTime();
        const y = b.getTime();
        return x < y ? -1 : x > y ? 1 : 0;
      }
      const tag = (a as { _bsontype?: unknown })._bsontype;
      if (tag === 'Int32' && (b as { _bsontype?: unknown })._bsontype === 'Int32') {
        const x = (a as { value: number }).value;
        const y = (b as { value: number }).value;
        return x < y ? -1 : x > y ? 1 : 0;
      }
    }
  }
  return compareBson(a, b, strCmp);
}

/**
 * A canonical text for a constant or expression spec, equal for specs that evaluate alike; undefined
 * for a value this path has no exact text for (the subexpression is then simply not shared).
 */
export function specKey(v: unknown): string | undefined {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Object.is(v, -0) ? 'num:-0' : `num:${v}`;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
      return 'undef';
    case 'bigint':
      return `big:${v}`;
    default:
      break;
  }
  if (v instanceof Date) return `date:${v.getTime()}`;
  if (isArray(v)) {
    const items = v.map(specKey);
    return items.includes(undefined) ? undefined : `[${items.join(',')}]`;
  }
  if (isPlainDocument(v)) {
    const fields: string[] = [];
    for (const [k, x] of Object.entries(v)) {
      const key = specKey(x);
      if (key === undefined) return undefined;
      fields.push(`${JSON.stringify(k)}:${key}`);
    }
    return `{${fields.join(',')}}`;
  }
  const tag = bsonTag(v);
  if (tag === 'Int32' || tag === 'Double') {
    const n = (v as { value: number }).value;
    return `${tag}:${Object.is(n, -0) ? '-0' : n}`;
  }
  if (tag === 'Long' || tag === 'Decimal128' || tag === 'ObjectId')
    return `${tag}:${(v as { toString(): string }).toString()}`;
  return undefined;
}

/** Counts each subexpression of `spec` (paths and operator documents) in `counts`. */
export function countSubexpressions(spec: unknown, counts: Map<string, number>): void {
  if (typeof spec === 'string') {
    if (!spec.startsWith('$') || spec.startsWith('$$')) return;
    // The path and each of its prefixes (`$a.b.c`, `$a.b`, `$a`).
    for (let end = spec.length; end > 0; end = spec.lastIndexOf('.', end - 1)) {
      const path = spec.slice(0, end);
      counts.set(path, (counts.get(path) ?? 0) + 1);
    }
    return;
  }
  if (isArray(spec)) {
    for (const x of spec) countSubexpressions(x, counts);
    return;
  }
  if (!isPlainDocument(spec)) return;
  const keys = Object.keys(spec);
  const key = specKey(spec);
  if (key !== undefined && keys.length === 1 && (keys[0] as string).startsWith('$'))
    counts.set(key, (counts.get(key) ?? 0) + 1);
  if (keys[0] === '$literal') return;
  for (const k of keys) countSubexpressions(spec[k], counts);
}

/** One closure for a repeated subexpression, remembering its value for the last document. */
function shareable(spec: unknown, shared: SharedExpressions | undefined, build: () => Expr | undefined) {
  const key = shared && (typeof spec === 'string' ? spec : specKey(spec));
  if (!shared || key === undefined || (shared.counts.get(key) ?? 0) < 2) return build();
  const known = shared.compiled.get(key);
  if (known) return known;
  const inner = build();
  if (!inner) return undefined;
  let lastDoc: Document | undefined;
  let lastValue: unknown;
  const cached: Expr = (doc) => {
    if (doc !== lastDoc) {
      lastValue = inner(doc);
      lastDoc = doc;
    }
    return lastValue;
  };
  shared.compiled.set(key, cached);
  return cached;
}

interface Compiler {
  opts: NativeOptions;
  strCmp: StringComparator;
  shared?: SharedExpressions;
}

function compileArgs(arg: unknown, n: number | undefined, c: Compiler): Expr[] | undefined {
  if (!isArray(arg) || (n !== undefined && arg.length !== n)) return undefined;
  const out: Expr[] = [];
  for (const a of arg) {
    const e = compileWith(a, c);
    if (!e) return undefined;
    out.push(e);
  }
  return out;
}

const COMPARISONS: Record<string, (c: number) => unknown> = {
  $eq: (c) => c === 0,
  $ne: (c) => c !== 0,
  $gt: (c) => c > 0,
  $gte: (c) => c >= 0,
  $lt: (c) => c < 0,
  $lte: (c) => c <= 0,
  $cmp: (c) => c,
};

function compileLogic(op: string, arg: unknown, c: Compiler): Expr | undefined {
  const args = compileArgs(arg, undefined, c);
  if (!args) return undefined;
  if (op === '$and')
    return (doc) => {
      for (const e of args) if (!truthy(e(doc))) return false;
      return true;
    };
  return (doc) => {
    for (const e of args) if (truthy(e(doc))) return true;
    return false;
  };
}

function compileOperator(op: string, arg: unknown, c: Compiler): Expr | undefined {
  const test = COMPARISONS[op];
  if (test) {
    const args = compileArgs(arg, 2, c);
    if (!args) return undefined;
    const [a, b] = args as [Expr, Expr];
    const { strCmp } = c;
    return (doc) => test(compareFast(a(doc), b(doc), strCmp));
  }
  switch (op) {
    case '$literal':
      return () => arg;
    case '$and':
    case '$or':
      return compileLogic(op, arg, c);
    case '$not': {
      const args = compileArgs(isArray(arg) ? arg : [arg], 1, c);
      const e = args?.[0];
      return e && ((doc) => !truthy(e(doc)));
    }
    case '$ifNull': {
      const args = compileArgs(arg, undefined, c);
      if (!args || args.length < 2) return undefined;
      return (doc) => {
        for (let i = 0; i < args.length - 1; i++) {
          const v = (args[i] as Expr)(doc);
          if (v !== null && v !== undefined) return v;
        }
        return (args[args.length - 1] as Expr)(doc);
      };
    }
    case '$cond': {
      const parts = isPlainDocument(arg) ? [arg.if, arg.then, arg.else] : arg;
      const args = compileArgs(parts, 3, c);
      if (!args) return undefined;
      const [cond, t, f] = args as [Expr, Expr, Expr];
      return (doc) => (truthy(cond(doc)) ? t(doc) : f(doc));
    }
    case '$in': {
      const args = compileArgs(arg, 2, c);
      if (!args) return undefined;
      const [x, list] = args as [Expr, Expr];
      return (doc) => {
        const l = list(doc);
        if (!isArray(l)) throw fail('BadValue', '$in second argument must be an array');
        const v = x(doc);
        for (const el of l) if (compareFast(el, v, undefined) === 0) return true;
        return false;
      };
    }
    default:
      return undefined;
  }
}

function compileWith(spec: unknown, c: Compiler): Expr | undefined {
  if (typeof spec === 'string') {
    if (spec === '$$ROOT' || spec === '$$CURRENT') return (doc) => doc;
    if (spec.startsWith('$$')) {
      const [name, ...rest] = spec.slice(2).split('.');
      const vars = c.opts.let;
      if (!vars || name === undefined || !Object.hasOwn(vars, name)) return undefined;
      const value: unknown = vars[name];
      return rest.length === 0 ? () => value : () => resolvePath(value, rest, 0);
    }
    if (spec.startsWith('$')) return shareable(spec, c.shared, () => compilePath(spec.slice(1), c));
    return () => spec;
  }
  if (isArray(spec)) {
    const items = compileArgs(spec, undefined, c);
    return items && ((doc) => items.map((e) => e(doc)));
  }
  if (!isPlainDocument(spec)) return () => spec;
  const keys = Object.keys(spec);
  if (keys.length === 1 && (keys[0] as string).startsWith('$')) {
    const op = keys[0] as string;
    return shareable(spec, c.shared, () => compileOperator(op, spec[op], c));
  }
  if (keys.some((k) => k.startsWith('$') || k.includes('.'))) return undefined;
  const fields: [string, Expr][] = [];
  for (const k of keys) {
    const e = compileWith(spec[k], c);
    if (!e) return undefined;
    fields.push([k, e]);
  }
  return (doc) => {
    const out: Document = {};
    for (const [k, e] of fields) {
      const v = e(doc);
      if (v !== undefined) out[k] = v;
    }
    return out;
  };
}

/**
 * Compiles an aggregation expression over stored documents, or undefined when mingo must run it.
 * @param shared the stage's repeated subexpressions (see {@link countSubexpressions}), to share them.
 */
export function compileExpr(
  spec: unknown,
  opts: NativeOptions,
  shared?: SharedExpressions,
): Expr | undefined {
  return compileWith(spec, { opts, strCmp: collationComparator(opts.collation), shared });
}
