/**
 * `$percentile` and `$median` (accumulator and expression forms). mingo's version sorts the inputs
 * with the default (string) order, so 10 sorts before 9; these sort numerically. The `approximate`
 * and `discrete` methods return a value of the data set (the smallest value with at least p of the
 * data at or below it), `continuous` interpolates.
 */
import type { Document } from 'bson';
import { evalExpr } from 'mingo/core';
import { $push } from 'mingo/operators/accumulator';
import type { Options } from 'mingo/types';
import { numberOf, isArray } from './bson-types.js';
import { fail } from './fail.js';

/** The `p` percentiles of the numbers among `values` by `method` (shared with the native path). */
export function percentiles(values: unknown[], ps: unknown, method: unknown): (number | null)[] {
  if (!isArray(ps) || ps.length === 0) {
    throw fail('BadValue', "$percentile 'p' must be a non-empty array of numbers between 0 and 1");
  }
  const nums = values.filter((v) => typeof v === 'number' && !Number.isNaN(v)) as number[];
  nums.sort((a, b) => a - b);
  return ps.map((pRaw) => {
    const p = numberOf(pRaw);
    if (p === undefined || !(p >= 0 && p <= 1)) {
      throw fail('BadValue', "$percentile 'p' must be a non-empty array of numbers between 0 and 1");
    }
    if (nums.length === 0) return null;
    if (method === 'continuous') {
      const rank = p * (nums.length - 1);
      const lo = Math.floor(rank);
      const hi = Math.ceil(rank);
      return (nums[lo] as number) + (rank - lo) * ((nums[hi] as number) - (nums[lo] as number));
    }
    const index = Math.max(0, Math.ceil(p * nums.length) - 1);
    return nums[Math.min(index, nums.length - 1)] as number;
  });
}

const flatInput = (v: unknown): unknown[] => (isArray(v) ? v : [v]);

/** `$percentile` accumulator: `{input, p, method}` over a group. */
export function $percentileAccumulator(
  coll: Document[],
  expr: Document,
  options: Options,
): (number | null)[] {
  const inputs = $push(coll, expr.input, options);
  return percentiles(inputs, expr.p, expr.method);
}

/** `$median` accumulator: `{input, method}` over a group. */
export function $medianAccumulator(coll: Document[], expr: Document, options: Options): number | null {
  return percentiles($push(coll, expr.input, options), [0.5], expr.method)[0] ?? null;
}

/** `$percentile` expression: `{input, p, method}` where input resolves to an array (or a number). */
export function $percentileExpression(obj: Document, expr: Document, options: Options): (number | null)[] {
  return percentiles(
    flatInput(evalExpr(obj, expr.input, options)),
    evalExpr(obj, expr.p, options),
    expr.method,
  );
}

/** `$median` expression: `{input, method}`. */
export function $medianExpression(obj: Document, expr: Document, options: Options): number | null {
  return percentiles(flatInput(evalExpr(obj, expr.input, options)), [0.5], expr.method)[0] ?? null;
}
