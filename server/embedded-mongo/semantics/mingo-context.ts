/**
 * The one mingo operator context the engine evaluates with: every mingo operator, with the ones whose
 * semantics differ from MongoDB's replaced. mingo ignores overrides registered on its default entry
 * point, so every Query/Aggregator the engine builds is given this context explicitly.
 */
import { Context, evalExpr } from 'mingo/core';
import * as accumulatorOps from 'mingo/operators/accumulator';
import * as expressionOps from 'mingo/operators/expression';
import * as pipelineOps from 'mingo/operators/pipeline';
import * as projectionOps from 'mingo/operators/projection';
import * as mingoQueryOps from 'mingo/operators/query';
import * as windowOps from 'mingo/operators/window';
import type { Options } from 'mingo/types';
import { MingoError } from 'mingo/util';
import { compareBson } from './bson-compare.js';
import { collationComparator } from './collation.js';
import { EngineError } from '../errors.js';
import { fail } from './fail.js';
import {
  $medianAccumulator,
  $medianExpression,
  $percentileAccumulator,
  $percentileExpression,
} from './percentile.js';
import { queryOperators } from './query-operators.js';
import { $bucket } from './bucket-stage.js';
import { conversionOperators } from './conversion-ops.js';
import { $match } from './match-stage.js';
import { $project } from './project-stage.js';
import { $sort } from './sort.js';
import { $type } from './type-expression.js';

type ExprOp = (obj: unknown, expr: unknown, options: Options) => unknown;

/** Expression comparisons cross types in BSON order (mingo requires equal JS types) and honour collation. */
function comparison(test: (c: number) => boolean | number): ExprOp {
  return (obj, expr, options) => {
    const args = evalExpr(obj, expr, options);
    if (!Array.isArray(args) || args.length !== 2) {
      throw fail('BadValue', 'Expression takes exactly 2 arguments');
    }
    return test(compareBson(args[0], args[1], collationComparator(options.collation)));
  };
}

const expressionOverrides: Record<string, ExprOp> = {
  $eq: comparison((c) => c === 0),
  $ne: comparison((c) => c !== 0),
  $gt: comparison((c) => c > 0),
  $gte: comparison((c) => c >= 0),
  $lt: comparison((c) => c < 0),
  $lte: comparison((c) => c <= 0),
  $cmp: comparison((c) => c),
  $percentile: $percentileExpression as ExprOp,
  $median: $medianExpression as ExprOp,
};

let shared: Context | undefined;

/** The engine's operator context (built once; contexts are immutable once handed to mingo). */
export function engineContext(): Context {
  shared ??= Context.init({
    query: { ...mingoQueryOps, ...queryOperators },
    expression: { ...expressionOps, ...expressionOverrides, ...conversionOperators, $type },
    pipeline: { ...pipelineOps, $sort, $match, $project, $bucket },
    accumulator: { ...accumulatorOps, $percentile: $percentileAccumulator, $median: $medianAccumulator },
    projection: { ...projectionOps },
    window: { ...windowOps },
  });
  return shared;
}

/** Runs `fn`, turning mingo's errors into EngineError BadValue so the wire layer can answer them. */
export function rethrowAsEngineError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof EngineError) throw err;
    if (err instanceof MingoError || err instanceof Error) {
      throw fail('BadValue', err.message.replace(/^mingo: /, ''));
    }
    throw err;
  }
}
