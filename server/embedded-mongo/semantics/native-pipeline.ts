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
import { compileFilter } from './filter.js';
import {
  compileExpr,
  countSubexpressions,
  type NativeOptions,
  type SharedExpressions,
} from './native-expressions.js';
import { fromMingo, toMingo } from './normalize.js';
import { toBsonNumber } from './numeric.js';
import { percentiles } from './percentile.js';
import { assertSafePipeline } from './reserved-names.js';
import { sortDocuments } from './sort.js';

export type { NativeOptions } from './native-expressions.js';

type Stage = (docs: Document[]) => Document[];

/**
 * A value as the mingo path outputs it: a bare number re-typed (Int32 when integral, else Double), a
 * stored document or array with its own values' types (mingo tracks where containers came from).
 */
function asOutput(v: unknown): unknown {
  // Scalars (most of a report's pushed values) without the round trip through mingo's value space.
  if (v === null || v === undefined) return v;
  const type = typeof v;
  if (type === 'object') {
    const tag = (v as { _bsontype?: unknown })._bsontype;
    if (tag === 'Int32') return v;
    if (tag === 'Double') return toBsonNumber((v as { value: number }).value);
    if (v instanceof Date) return v;
  } else if (type === 'string' || type === 'boolean') return v;
  const tag = bsonTag(v);
  if (tag === 'Long' || tag === 'Decimal128' || typeof v === 'number')
    return toBsonNumber(numberOf(v) as number);
  return fromMingo(toMingo(v, true));
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

function compileAccumulator(
  spec: unknown,
  opts: NativeOptions,
  shared: SharedExpressions,
): AccumulatorFactory | undefined {
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
    const input = compileExpr(arg.input, opts, shared);
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
  const e = compileExpr(arg, opts, shared);
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
              if (v !== null && typeof v === 'object' && (v as { _bsontype?: unknown })._bsontype === 'Int32')
                sum += (v as { value: number }).value;
              else if (isNumeric(v)) sum += numberOf(v) as number;
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
        // Nulls and int32s (most pushed durations) are output as they are: no second array.
        let asIs = true;
        return {
          add: (doc) => {
            const v = e(doc) ?? null;
            if (seen) {
              const k = groupKey(v);
              if (seen.has(k)) return;
              seen.add(k);
            }
            if (asIs && v !== null && (v as { _bsontype?: unknown })._bsontype !== 'Int32') asIs = false;
            values.push(v);
          },
          result: () => (asIs ? values : values.map(asOutput)),
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
  const shared: SharedExpressions = { counts: new Map(), compiled: new Map() };
  for (const [name, acc] of Object.entries(spec)) {
    if (name === '_id' || !isPlainDocument(acc)) countSubexpressions(acc, shared.counts);
    else
      for (const arg of Object.values(acc))
        countSubexpressions(isPlainDocument(arg) && 'input' in arg ? arg.input : arg, shared.counts);
  }
  const idExpr = compileExpr(spec._id, opts, shared);
  if (!idExpr) return undefined;
  const fields: [string, AccumulatorFactory][] = [];
  for (const [name, acc] of Object.entries(spec)) {
    if (name === '_id') continue;
    if (name.includes('.') || name.startsWith('$')) return undefined;
    const factory = compileAccumulator(acc, opts, shared);
    if (!factory) return undefined;
    fields.push([name, factory]);
  }
  return (docs) => {
    const groups = new Map<string, { id: unknown; accs: Accumulator[] }>();
    for (const doc of docs) {
      const id = idExpr(doc);
      // A string key (the usual group) without quoting: only top-level strings start with 's'.
      const key = typeof id === 'string' ? `s${id}` : groupKey(id);
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
