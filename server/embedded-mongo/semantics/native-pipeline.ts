/**
 * A native aggregation path for the stages reports use: `$match`, `$group` (with `$sum`, `$avg`,
 * `$count`, `$min`, `$max`, `$push`, `$addToSet`, `$first`, `$last`, `$percentile`, `$median`),
 * inclusion/exclusion `$project`, `$sort`, `$skip`, `$limit` and `$count`, evaluated directly on stored
 * documents. The mingo path converts every input document into its value space first (normalize.ts),
 * which dominated a report over 100k conversations; here only what a stage outputs is converted.
 *
 * The longest prefix of stages this path supports runs here, the rest through mingo (after a `$group`
 * that is a handful of documents). Expressions are compiled once per stage; an operator this path does
 * not know makes the stage, and all after it, mingo's. Results equal mingo's: numbers come out as the
 * mingo path writes them (Int32 when integral, else Double), `$push` keeps `null` for a missing value.
 * One deliberate difference, MongoDB's: a missing group key and `null` are one group (`_id: null`).
 */
import type { Document, ObjectId } from 'bson';
import { compareBson } from './bson-compare.js';
import { bsonTag, isArray, isNumeric, isPlainDocument, numberOf } from './bson-types.js';
import { collationComparator } from './collation.js';
import { fail } from './fail.js';
import { compileFilter } from './filter.js';
import { fromMingo, toMingo } from './normalize.js';
import { toBsonNumber } from './numeric.js';
import { percentiles } from './percentile.js';
import { assertSafePipeline } from './reserved-names.js';
import { sortDocuments } from './sort.js';

type Expr = (doc: Document) => unknown;
type Stage = (docs: Document[]) => Document[];

/** The options the native stages honour (the aggregate command's). */
export interface NativeOptions {
  collation?: Document;
  let?: Document;
}

/**
 * A value as the mingo path outputs it: a bare number re-typed (Int32 when integral, else Double), a
 * stored document or array with its own values' types (mingo tracks where containers came from).
 */
function asOutput(v: unknown): unknown {
  // Scalars (most of a report's pushed values) without the round trip through mingo's value space.
  if (v === null || v === undefined || typeof v === 'string' || typeof v === 'boolean' || v instanceof Date)
    return v;
  const tag = bsonTag(v);
  if (tag === 'Int32') return v;
  if (tag === 'Double' || tag === 'Long' || tag === 'Decimal128' || typeof v === 'number')
    return toBsonNumber(numberOf(v) as number);
  return fromMingo(toMingo(v, true));
}

const truthy = (v: unknown): boolean => (isNumeric(v) ? !!numberOf(v) : !!v || v === '');

/** Stored embedded documents are object literals: their prototype settles it without the wrapper checks. */
const isDocumentFast = (v: unknown): v is Record<string, unknown> =>
  v !== null &&
  typeof v === 'object' &&
  (Object.getPrototypeOf(v) === Object.prototype ? true : isPlainDocument(v));

function resolvePath(v: unknown, parts: readonly string[], i: number): unknown {
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

function compilePath(path: string): Expr | undefined {
  const parts = path.split('.');
  // Numeric parts and empty names: mingo's reading differs from MongoDB's; leave them to mingo.
  if (parts.some((p) => p === '' || /^\d+$/.test(p))) return undefined;
  return (doc) => resolvePath(doc, parts, 0);
}

function compileArgs(arg: unknown, n: number | undefined, opts: NativeOptions): Expr[] | undefined {
  if (!isArray(arg) || (n !== undefined && arg.length !== n)) return undefined;
  const out: Expr[] = [];
  for (const a of arg) {
    const e = compileExpr(a, opts);
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

function compileOperator(op: string, arg: unknown, opts: NativeOptions): Expr | undefined {
  const test = COMPARISONS[op];
  if (test) {
    const args = compileArgs(arg, 2, opts);
    if (!args) return undefined;
    const [a, b] = args as [Expr, Expr];
    const strCmp = collationComparator(opts.collation);
    return (doc) => test(compareBson(a(doc), b(doc), strCmp));
  }
  switch (op) {
    case '$literal':
      return () => arg;
    case '$and':
    case '$or': {
      const args = compileArgs(arg, undefined, opts);
      if (!args) return undefined;
      return op === '$and'
        ? (doc) => args.every((e) => truthy(e(doc)))
        : (doc) => args.some((e) => truthy(e(doc)));
    }
    case '$not': {
      const args = compileArgs(isArray(arg) ? arg : [arg], 1, opts);
      const e = args?.[0];
      return e && ((doc) => !truthy(e(doc)));
    }
    case '$ifNull': {
      const args = compileArgs(arg, undefined, opts);
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
      const args = compileArgs(parts, 3, opts);
      if (!args) return undefined;
      const [c, t, f] = args as [Expr, Expr, Expr];
      return (doc) => (truthy(c(doc)) ? t(doc) : f(doc));
    }
    case '$in': {
      const args = compileArgs(arg, 2, opts);
      if (!args) return undefined;
      const [x, list] = args as [Expr, Expr];
      return (doc) => {
        const l = list(doc);
        if (!isArray(l)) throw fail('BadValue', '$in second argument must be an array');
        const v = x(doc);
        return l.some((el) => compareBson(el, v) === 0);
      };
    }
    default:
      return undefined;
  }
}

/** Compiles an aggregation expression over stored documents, or undefined when mingo must run it. */
export function compileExpr(spec: unknown, opts: NativeOptions): Expr | undefined {
  if (typeof spec === 'string') {
    if (spec === '$$ROOT' || spec === '$$CURRENT') return (doc) => doc;
    if (spec.startsWith('$$')) {
      const [name, ...rest] = spec.slice(2).split('.');
      if (!opts.let || name === undefined || !Object.hasOwn(opts.let, name)) return undefined;
      const value: unknown = opts.let[name];
      return rest.length === 0 ? () => value : () => resolvePath(value, rest, 0);
    }
    if (spec.startsWith('$')) return compilePath(spec.slice(1));
    return () => spec;
  }
  if (isArray(spec)) {
    const items = compileArgs(spec, undefined, opts);
    return items && ((doc) => items.map((e) => e(doc)));
  }
  if (!isPlainDocument(spec)) return () => spec;
  const keys = Object.keys(spec);
  if (keys.length === 1 && (keys[0] as string).startsWith('$'))
    return compileOperator(keys[0] as string, spec[keys[0] as string], opts);
  if (keys.some((k) => k.startsWith('$') || k.includes('.'))) return undefined;
  const fields: [string, Expr][] = [];
  for (const k of keys) {
    const e = compileExpr(spec[k], opts);
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

/** A key equal for MongoDB-equal values (1, 1.0 and NumberLong(1) alike; null and missing alike). */
export function groupKey(v: unknown): string {
  if (v === null || v === undefined) return 'N';
  if (isNumeric(v)) return `n${numberOf(v)}`;
  if (typeof v === 'string') return `s${JSON.stringify(v)}`;
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  if (v instanceof Date) return `d${v.getTime()}`;
  if (isArray(v)) return `[${v.map(groupKey).join(',')}]`;
  if (isPlainDocument(v))
    return `{${Object.keys(v)
      .map((k) => `${JSON.stringify(k)}:${groupKey(v[k])}`)
      .join(',')}}`;
  if (bsonTag(v) === 'ObjectId') return `o${(v as ObjectId).toHexString()}`;
  return `x${bsonTag(v) ?? typeof v}:${JSON.stringify(toMingo(v)) ?? typeof v}`;
}

interface Accumulator {
  add(doc: Document): void;
  result(): unknown;
}
type AccumulatorFactory = () => Accumulator;

function compileAccumulator(spec: unknown, opts: NativeOptions): AccumulatorFactory | undefined {
  if (!isPlainDocument(spec) || Object.keys(spec).length !== 1) return undefined;
  const [op] = Object.keys(spec) as [string];
  const arg: unknown = spec[op];
  if (op === '$count')
    return () => {
      let n = 0;
      return { add: () => void (n += 1), result: () => toBsonNumber(n) };
    };
  if (op === '$percentile' || op === '$median') {
    if (!isPlainDocument(arg)) return undefined;
    const input = compileExpr(arg.input, opts);
    const p: unknown = op === '$median' ? [0.5] : arg.p;
    const method: unknown = arg.method;
    if (!input || (op === '$percentile' && !isArray(p))) return undefined;
    return () => {
      const values: unknown[] = [];
      return {
        add: (doc) => void values.push(toMingo(input(doc) ?? null)),
        result: () => {
          const r = percentiles(values, toMingo(p), method);
          return op === '$median' ? asOutput(r[0] ?? null) : asOutput(r);
        },
      };
    };
  }
  const e = compileExpr(arg, opts);
  if (!e) return undefined;
  switch (op) {
    case '$sum': {
      const constant = isNumeric(arg) ? numberOf(arg) : undefined;
      return () => {
        let sum = 0;
        return {
          add: (doc) => {
            if (constant !== undefined) sum += constant;
            else {
              const v = e(doc);
              if (isNumeric(v)) sum += numberOf(v) as number;
            }
          },
          result: () => toBsonNumber(sum),
        };
      };
    }
    case '$avg':
      return () => {
        let sum = 0;
        let n = 0;
        return {
          add: (doc) => {
            const v = e(doc);
            if (isNumeric(v)) {
              sum += numberOf(v) as number;
              n += 1;
            }
          },
          result: () => (n === 0 ? null : toBsonNumber(sum / n)),
        };
      };
    case '$min':
    case '$max': {
      const sign = op === '$min' ? -1 : 1;
      return () => {
        let best: unknown;
        return {
          add: (doc) => {
            const v = e(doc);
            if (v === null || v === undefined) return;
            if (best === undefined || Math.sign(compareBson(v, best)) === sign) best = v;
          },
          result: () => (best === undefined ? null : asOutput(best)),
        };
      };
    }
    case '$push':
    case '$addToSet':
      return () => {
        const values: unknown[] = [];
        const seen = op === '$addToSet' ? new Set<string>() : undefined;
        return {
          add: (doc) => {
            const v = e(doc) ?? null;
            if (seen) {
              const k = groupKey(v);
              if (seen.has(k)) return;
              seen.add(k);
            }
            values.push(v);
          },
          result: () => values.map(asOutput),
        };
      };
    case '$first':
    case '$last':
      return () => {
        let value: unknown = null;
        let seen = false;
        return {
          add: (doc) => {
            if (op === '$last' || !seen) value = e(doc) ?? null;
            seen = true;
          },
          result: () => asOutput(value),
        };
      };
    default:
      return undefined;
  }
}

function compileGroup(spec: unknown, opts: NativeOptions): Stage | undefined {
  if (!isPlainDocument(spec) || !('_id' in spec)) return undefined;
  const idExpr = compileExpr(spec._id, opts);
  if (!idExpr) return undefined;
  const fields: [string, AccumulatorFactory][] = [];
  for (const [name, acc] of Object.entries(spec)) {
    if (name === '_id') continue;
    if (name.includes('.') || name.startsWith('$')) return undefined;
    const factory = compileAccumulator(acc, opts);
    if (!factory) return undefined;
    fields.push([name, factory]);
  }
  return (docs) => {
    const groups = new Map<string, { id: unknown; accs: Accumulator[] }>();
    for (const doc of docs) {
      const id = idExpr(doc);
      const key = groupKey(id);
      let g = groups.get(key);
      if (!g) {
        g = { id, accs: fields.map(([, f]) => f()) };
        groups.set(key, g);
      }
      for (const a of g.accs) a.add(doc);
    }
    return [...groups.values()].map((g) => {
      const out: Document = { _id: g.id === undefined ? null : asOutput(g.id) };
      fields.forEach(([name], i) => {
        out[name] = (g.accs[i] as Accumulator).result();
      });
      return out;
    });
  };
}

/** `$project` with only top-level inclusions (or only exclusions) of stored fields. */
function compileProject(spec: unknown): Stage | undefined {
  if (!isPlainDocument(spec)) return undefined;
  const flags = new Map<string, boolean>();
  for (const [k, v] of Object.entries(spec)) {
    if (k.includes('.') || k.startsWith('$')) return undefined;
    if (typeof v === 'boolean') flags.set(k, v);
    else if (isNumeric(v)) flags.set(k, numberOf(v) !== 0);
    else return undefined;
  }
  const keepId = flags.get('_id') !== false;
  flags.delete('_id');
  const values = [...flags.values()];
  if (values.length === 0) return undefined;
  const inclusion = values[0] as boolean;
  if (values.some((v) => v !== inclusion)) return undefined;
  return (docs) =>
    docs.map((doc) => {
      const out: Document = {};
      if (keepId && doc._id !== undefined) out._id = doc._id as unknown;
      for (const k of Object.keys(doc)) {
        if (k === '_id') continue;
        if (flags.has(k) === inclusion) out[k] = doc[k] as unknown;
      }
      return out;
    });
}

function positiveCount(v: unknown): number | undefined {
  const n = numberOf(v);
  return n !== undefined && Number.isInteger(n) && n >= 0 ? n : undefined;
}

function compileStage(stage: Document, opts: NativeOptions): Stage | undefined {
  const [name] = Object.keys(stage);
  const arg: unknown = name === undefined ? undefined : stage[name];
  switch (name) {
    case '$match': {
      if (!isPlainDocument(arg)) return undefined;
      const test = compileFilter(arg, { collation: opts.collation, let: opts.let });
      return (docs) => docs.filter(test);
    }
    case '$group':
      return compileGroup(arg, opts);
    case '$project':
      return compileProject(arg);
    case '$sort':
      if (!isPlainDocument(arg) || !Object.values(arg).every(isNumeric)) return undefined;
      return (docs) => sortDocuments(docs, arg, opts.collation);
    case '$limit': {
      const n = positiveCount(arg);
      return n === undefined || n === 0 ? undefined : (docs) => docs.slice(0, n);
    }
    case '$skip': {
      const n = positiveCount(arg);
      return n === undefined ? undefined : (docs) => docs.slice(n);
    }
    case '$count':
      if (typeof arg !== 'string' || arg === '' || arg.startsWith('$') || arg.includes('.')) return undefined;
      return (docs) => (docs.length === 0 ? [] : [{ [arg]: toBsonNumber(docs.length) }]);
    default:
      return undefined;
  }
}

/**
 * Splits `pipeline` into the native prefix (compiled) and the stages left for mingo.
 * The prefix may be empty.
 */
export function compileNativePrefix(
  pipeline: readonly Document[],
  opts: NativeOptions,
): { run: (docs: Document[]) => Document[]; consumed: number } {
  assertSafePipeline(pipeline);
  const stages: Stage[] = [];
  for (const stage of pipeline) {
    const compiled = compileStage(stage, opts);
    if (!compiled) break;
    stages.push(compiled);
  }
  return {
    run: (docs) => stages.reduce((acc, s) => s(acc), docs),
    consumed: stages.length,
  };
}
