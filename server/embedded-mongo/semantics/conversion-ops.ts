/**
 * Type conversion expressions for values mingo does not know: ObjectId in `$toString` / `$toDate`,
 * and `$toObjectId`, which mingo lacks. Other inputs fall through to mingo's operators.
 */
import { ObjectId } from 'bson';
import { evalExpr } from 'mingo/core';
import { $toDate as mingoToDate, $toString as mingoToString } from 'mingo/operators/expression';
import type { Options } from 'mingo/types';
import { bsonTag } from './bson-types.js';
import { fail, show } from './fail.js';

type ExprOp = (obj: unknown, expr: unknown, options: Options) => unknown;

export const conversionOperators: Record<string, ExprOp> = {
  $toString: (obj, expr, options) => {
    const v = evalExpr(obj, expr, options);
    if (bsonTag(v) === 'ObjectId') return (v as ObjectId).toHexString();
    return mingoToString(obj as never, { $literal: v }, options);
  },
  $toDate: (obj, expr, options) => {
    const v = evalExpr(obj, expr, options);
    if (bsonTag(v) === 'ObjectId') return (v as ObjectId).getTimestamp();
    return mingoToDate(obj as never, { $literal: v }, options);
  },
  $toObjectId: (obj, expr, options) => {
    const v = evalExpr(obj, expr, options);
    if (v === null || v === undefined) return null;
    if (bsonTag(v) === 'ObjectId') return v;
    if (typeof v === 'string' && ObjectId.isValid(v) && v.length === 24) return new ObjectId(v);
    throw fail('ConversionFailure', `Failed to parse objectId ${show(v)} in $convert with no onError value`);
  },
};
