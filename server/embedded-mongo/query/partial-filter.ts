/**
 * Whether a query implies an index's `partialFilterExpression`, so every document the query can match is
 * in the partial index and the planner may use it (as mongod does: "the query must contain the filter
 * expression, or a subset of it"). Only implication matters, never equivalence: the full filter is
 * always re-applied to the candidates, so answering "not implied" is always safe and "implied" must be
 * sound.
 *
 * Both sides are read the way MongoDB matches a path: a predicate on `f` holds when some value at `f`
 * (the value itself, or an element when it is an array) satisfies it. A query predicate on `f` thus
 * implies a filter predicate on `f` whenever every value satisfying the first satisfies the second:
 * `{f: 'x'}` implies `{f: {$exists: true}}`, `{f: {$type: 'string'}}` and `{f: {$gte: 'a'}}`;
 * `{f: {$gt: 7}}` implies `{f: {$gt: 5}}`; `{a: {$elemMatch: {b: 1}}}` implies `{'a.b': {$exists: true}}`.
 */
import type { Document } from 'bson';
import { compareBson, typeRank } from '../semantics/bson-compare';
import { bsonTypeOf, isNumeric, isPlainDocument, resolveTypeAlias } from '../semantics/bson-types';

/** A query predicate on one path: a plain value (equality) or an operator document. */
type Predicates = Map<string, unknown[]>;

function isOperatorDoc(v: unknown): v is Document {
  if (!isPlainDocument(v)) return false;
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => k.startsWith('$'));
}

function isRegex(v: unknown): boolean {
  return v instanceof RegExp || bsonTypeOf(v) === 'regex';
}

function add(out: Predicates, path: string, pred: unknown): void {
  const list = out.get(path);
  if (list) list.push(pred);
  else out.set(path, [pred]);
}

/** The conjunctive predicates of `filter` by path (top level, `$and`, and fields inside `$elemMatch`). */
function collectPredicates(filter: Document, prefix: string, out: Predicates): Predicates {
  for (const [key, value] of Object.entries(filter) as [string, unknown][]) {
    if (key === '$and' && Array.isArray(value)) {
      for (const branch of value) if (isPlainDocument(branch)) collectPredicates(branch, prefix, out);
      continue;
    }
    if (key.startsWith('$')) continue;
    const path = prefix + key;
    add(out, path, value);
    if (isOperatorDoc(value)) {
      const em: unknown = value.$elemMatch;
      // `{a: {$elemMatch: {b: v}}}`: some element has b matching v, so the path `a.b` has such a value.
      if (isPlainDocument(em) && !isOperatorDoc(em)) collectPredicates(em, `${path}.`, out);
    }
  }
  return out;
}

/** Equality alternatives of one query predicate (`v`, `$eq`, `$in`), or undefined. */
function equalityValues(pred: unknown): unknown[] | undefined {
  if (!isOperatorDoc(pred)) return isRegex(pred) ? undefined : [pred];
  const eq: unknown = pred.$eq;
  if ('$eq' in pred && !isRegex(eq)) return [eq];
  const list: unknown = pred.$in;
  if (Array.isArray(list) && list.length > 0 && !list.some(isRegex)) return list as unknown[];
  return undefined;
}

const isNullish = (v: unknown): boolean => v === null || v === undefined;
const isExtremeKey = (v: unknown): boolean => {
  const t = bsonTypeOf(v);
  return t === 'minKey' || t === 'maxKey';
};

/** A value whose string comparison would depend on collation (only the simple collation is trusted). */
function collationSensitive(v: unknown, simple: boolean): boolean {
  return !simple && (typeof v === 'string' || isPlainDocument(v) || Array.isArray(v));
}

function impliesExists(pred: unknown): boolean {
  const eq = equalityValues(pred);
  if (eq) return eq.every((v) => !isNullish(v));
  if (!isOperatorDoc(pred)) return false;
  if (pred.$exists !== undefined && pred.$exists !== false && pred.$exists !== 0) return true;
  if (pred.$type !== undefined && !typeSpecs(pred.$type).includes('null')) return true;
  if (isPlainDocument(pred.$elemMatch)) return true;
  for (const op of ['$gt', '$gte', '$lt', '$lte'] as const) {
    if (op in pred && !isNullish(pred[op]) && !isExtremeKey(pred[op])) return true;
  }
  return false;
}

function typeSpecs(spec: unknown): string[] {
  const list = Array.isArray(spec) ? spec : [spec];
  return list.map((s) => resolveTypeAlias(s) ?? '?');
}

/** Whether value `v` (a query equality operand) has one of `types`, for every stored type it can equal. */
function valueHasType(v: unknown, types: readonly string[]): boolean {
  if (isNullish(v)) return false;
  // 1 equals 1.0 and NumberLong(1): only "any number" is implied by a numeric equality.
  if (isNumeric(v)) return types.includes('number');
  return types.includes(bsonTypeOf(v));
}

function impliesType(pred: unknown, spec: unknown): boolean {
  const types = typeSpecs(spec);
  const eq = equalityValues(pred);
  if (eq) return eq.every((v) => valueHasType(v, types));
  if (!isOperatorDoc(pred)) return false;
  // Comparisons are type-bracketed: `$lt: <date>` only matches dates, `$gt: 5` only numbers.
  for (const op of ['$gt', '$gte', '$lt', '$lte']) {
    const bound: unknown = pred[op];
    if (op in pred && !isNullish(bound) && !isExtremeKey(bound) && valueHasType(bound, types)) return true;
  }
  if (pred.$type === undefined) return false;
  const numeric = ['int', 'long', 'double', 'decimal'];
  return typeSpecs(pred.$type).every(
    (t) => types.includes(t) || (numeric.includes(t) && types.includes('number')),
  );
}

type CompareOp = '$gt' | '$gte' | '$lt' | '$lte';

function satisfies(v: unknown, op: CompareOp, bound: unknown): boolean {
  if (isNullish(v) || typeRank(v) !== typeRank(bound)) return false;
  const c = compareBson(v, bound);
  return op === '$gt' ? c > 0 : op === '$gte' ? c >= 0 : op === '$lt' ? c < 0 : c <= 0;
}

function impliesComparison(pred: unknown, op: CompareOp, bound: unknown, simple: boolean): boolean {
  if (isNullish(bound) || isExtremeKey(bound) || collationSensitive(bound, simple)) return false;
  const eq = equalityValues(pred);
  if (eq) return eq.every((v) => satisfies(v, op, bound));
  if (!isOperatorDoc(pred)) return false;
  const lower = op === '$gt' || op === '$gte';
  for (const qop of (lower ? ['$gt', '$gte'] : ['$lt', '$lte']) as CompareOp[]) {
    if (!(qop in pred)) continue;
    const q: unknown = pred[qop];
    if (isNullish(q) || typeRank(q) !== typeRank(bound)) continue;
    const c = compareBson(q, bound);
    // The query's side is at least as tight: `$gt: 7` ⇒ `$gt: 5`; `$gte: 5` ⇏ `$gt: 5`.
    const strictQuery = qop === '$gt' || qop === '$lt';
    const strictFilter = op === '$gt' || op === '$lt';
    const tighter = lower ? c > 0 : c < 0;
    if (tighter || (c === 0 && (strictQuery || !strictFilter))) return true;
  }
  return false;
}

function impliesEquality(pred: unknown, members: readonly unknown[], simple: boolean): boolean {
  if (members.some((m) => isRegex(m) || collationSensitive(m, simple))) return false;
  const eq = equalityValues(pred);
  return eq !== undefined && eq.every((v) => members.some((m) => compareBson(v, m) === 0));
}

/** Whether one query predicate on the filter's path implies one operator of the filter. */
function impliesOperator(pred: unknown, op: string, arg: unknown, simple: boolean): boolean {
  switch (op) {
    case '$exists':
      if (arg === false || arg === 0) return isOperatorDoc(pred) && pred.$exists === false;
      return impliesExists(pred);
    case '$type':
      return impliesType(pred, arg);
    case '$eq':
      return impliesEquality(pred, [arg], simple);
    case '$in':
      return Array.isArray(arg) && impliesEquality(pred, arg, simple);
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
      return impliesComparison(pred, op, arg, simple);
    default:
      return false;
  }
}

function impliesFieldCondition(preds: Predicates, path: string, cond: unknown, simple: boolean): boolean {
  const own = preds.get(path) ?? [];
  const some = (op: string, arg: unknown): boolean => {
    if (own.some((p) => impliesOperator(p, op, arg, simple))) return true;
    // `{'a.b': 'x'}` also implies `{a: {$exists: true}}`.
    if (op !== '$exists' || arg === false || arg === 0) return false;
    for (const [p, list] of preds) {
      if (p.startsWith(`${path}.`) && list.some((q) => impliesExists(q))) return true;
    }
    return false;
  };
  if (isOperatorDoc(cond)) return Object.entries(cond).every(([op, arg]) => some(op, arg));
  return some('$eq', cond);
}

function impliesWith(preds: Predicates, pfe: Document, simple: boolean): boolean {
  return (Object.entries(pfe) as [string, unknown][]).every(([key, cond]) => {
    if (key === '$and')
      return Array.isArray(cond) && cond.every((b) => isPlainDocument(b) && impliesWith(preds, b, simple));
    if (key === '$or')
      return Array.isArray(cond) && cond.some((b) => isPlainDocument(b) && impliesWith(preds, b, simple));
    if (key.startsWith('$')) return false;
    return impliesFieldCondition(preds, key, cond, simple);
  });
}

/**
 * True when every document matching `query` also matches `partialFilter`.
 * @param simpleCollation false when the query runs under a collation (string equalities then prove nothing).
 */
export function impliesPartialFilter(
  query: Document,
  partialFilter: Document,
  simpleCollation = true,
): boolean {
  return impliesWith(collectPredicates(query, '', new Map()), partialFilter, simpleCollation);
}
