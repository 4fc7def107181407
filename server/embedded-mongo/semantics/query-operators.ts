/**
 * BSON-aware replacements for mingo's query comparison operators. They run on stored values as decoded
 * (Int32, Long, Decimal128, ObjectId...), compare with MongoDB's type order and the collation, and
 * follow MongoDB's array rules: a predicate on an array field matches when the array itself or any
 * element matches.
 */
import type { Options } from 'mingo/types';
import { evalExpr } from 'mingo/core';
import { Query } from 'mingo/query';
import { resolve } from 'mingo/util';
import { bsonTypeOf, isNumeric, isPlainDocument, numberOf, resolveTypeAlias, isArray } from './bson-types.js';
import { compareBson, typeRank } from './bson-compare.js';
import { collationComparator, type StringComparator } from './collation.js';
import { fail } from './fail.js';
import { toMingo } from './normalize.js';

type Predicate = (value: unknown, operand: unknown, strCmp: StringComparator, depth: number) => boolean;
type QueryOp = (selector: string, operand: unknown, options: Options) => (doc: unknown) => boolean;

/** The values a field path stands for: the value itself and, for an array, its elements. */
function candidates(value: unknown, depth: number): unknown[] {
  if (!isArray(value)) return [value];
  const out: unknown[] = [value, ...value];
  // A dotted path that crossed arrays yields nested arrays; MongoDB looks one level into each.
  if (depth > 0) for (const v of value) if (isArray(v)) out.push(...v);
  return out;
}

const isNil = (v: unknown): boolean => v === null || v === undefined;

function makeOp(predicate: Predicate, preprocess: (operand: unknown) => unknown = (x) => x): QueryOp {
  return (selector, operand, options) => {
    const depth = selector.split('.').length - 1;
    const strCmp = collationComparator(options.collation);
    const rhs = preprocess(operand);
    return (doc) => {
      const lhs = resolve(doc as Record<string, unknown>, selector, { unwrapArray: true });
      return predicate(lhs, rhs, strCmp, depth);
    };
  };
}

function eq(value: unknown, operand: unknown, strCmp: StringComparator, depth = 0): boolean {
  if (operand === null) return isNil(value) || candidates(value, depth).some((v) => v === null);
  if (operand instanceof RegExp) return regexMatch(value, operand, depth);
  return candidates(value, depth).some((v) => v !== undefined && compareBson(v, operand, strCmp) === 0);
}

function regexMatch(value: unknown, re: RegExp, depth = 0): boolean {
  return candidates(value, depth).some((v) => {
    const s =
      typeof v === 'string'
        ? v
        : bsonTypeOf(v) === 'symbol'
          ? String((v as { value: unknown }).value)
          : undefined;
    re.lastIndex = 0;
    return s !== undefined && re.test(s);
  });
}

function ordered(test: (c: number) => boolean, includesNull: boolean): Predicate {
  return (value, operand, strCmp, depth) => {
    if (includesNull && operand === null && eq(value, null, strCmp, depth)) return true;
    const rank = typeRank(operand);
    const anyType = rank === 1 || rank === 100; // $gt: MinKey / $lt: MaxKey cross every bracket
    const all = candidates(value, depth);
    // An array is compared whole only against an array operand; otherwise its elements are.
    const values = isArray(value) && !isArray(operand) ? all.slice(1) : all;
    return values.some(
      (v) => v !== undefined && (anyType || typeRank(v) === rank) && test(compareBson(v, operand, strCmp)),
    );
  };
}

function inList(value: unknown, operand: unknown, strCmp: StringComparator, depth: number): boolean {
  if (!isArray(operand)) throw fail('BadValue', '$in needs an array');
  return operand.some((x) => eq(value, x, strCmp, depth));
}

function makeAll(options: Options): Predicate {
  return (value, operand, strCmp, depth) => {
    if (!isArray(operand)) throw fail('BadValue', '$all needs an array');
    return (
      operand.length > 0 &&
      operand.every((x) => {
        // {$all: [{$elemMatch: ...}, ...]}: every clause must be met by some element.
        if (isPlainDocument(x) && '$elemMatch' in x)
          return isArray(value) && new Query({ v: x }, options).test({ v: value });
        return eq(value, x, strCmp, depth);
      })
    );
  };
}

function typeMatch(value: unknown, operand: unknown): boolean {
  const specs = isArray(operand) ? operand : [operand];
  const names = specs.map((s) => {
    const name = resolveTypeAlias(s);
    if (!name) throw fail('BadValue', `Unknown type name alias: ${String(s)}`);
    return name;
  });
  if (value === undefined) return false;
  const values = isArray(value) ? [value, ...value] : [value];
  return values.some((v) => names.some((n) => (n === 'number' ? isNumeric(v) : bsonTypeOf(v) === n)));
}

function mod(value: unknown, operand: unknown): boolean {
  const [d, r] = isArray(operand) ? operand.map((x) => numberOf(x)) : [];
  if (
    operand === undefined ||
    d === undefined ||
    r === undefined ||
    !isArray(operand) ||
    operand.length !== 2
  ) {
    throw fail('BadValue', 'malformed mod, needs to be an array of two numbers');
  }
  if (Math.trunc(d) === 0) throw fail('BadValue', 'divisor cannot be 0');
  const values = isArray(value) ? value : [value];
  return values.some((v) => {
    const n = numberOf(v);
    return n !== undefined && Number.isFinite(n) && Math.trunc(n) % Math.trunc(d) === Math.trunc(r);
  });
}

const not =
  (p: Predicate): Predicate =>
  (v, o, c, d) =>
    !p(v, o, c, d);

/** MongoDB's truthiness for `$expr` results: false, null, missing and numeric zero are false. */
export function isTruthy(v: unknown): boolean {
  if (v === false || v === null || v === undefined) return false;
  const n = numberOf(v);
  return n === undefined || (n !== 0 && !Number.isNaN(n));
}

/** Replacement query operators, keyed by name, for the engine's mingo context. */
export const queryOperators: Record<string, QueryOp> = {
  $eq: makeOp(eq),
  $ne: makeOp(not(eq)),
  $gt: makeOp(ordered((c) => c > 0, false)),
  $gte: makeOp(ordered((c) => c >= 0, true)),
  $lt: makeOp(ordered((c) => c < 0, false)),
  $lte: makeOp(ordered((c) => c <= 0, true)),
  $in: makeOp(inList),
  $nin: makeOp(not(inList)),
  $all: (selector, operand, options) => makeOp(makeAll(options))(selector, operand, options),
  $regex: makeOp((v, re, _c, d) => regexMatch(v, re as RegExp, d)),
  $size: makeOp((v, n) => isArray(v) && v.length === numberOf(n)),
  $type: makeOp(typeMatch),
  $mod: makeOp(mod),
  // Expressions compute in mingo's value space, so the document and operand are converted first.
  $expr: (_selector, operand, options) => {
    const expr = toMingo(operand);
    return (doc) => isTruthy(evalExpr(toMingo(doc), expr, options));
  },
  $where: () => {
    throw fail('BadValue', '$where is not allowed in this context');
  },
};
