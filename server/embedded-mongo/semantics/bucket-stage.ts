/**
 * The `$bucket` stage. mingo's puts a value equal to an inner boundary into the bucket below it and
 * emits empty buckets; MongoDB's buckets are [lower, upper) and only non-empty ones are emitted.
 */
import type { Document } from 'bson';
import { evalExpr } from 'mingo/core';
import { Lazy, type Iterator } from 'mingo/lazy';
import type { Options } from 'mingo/types';
import { isArray } from './bson-types.js';
import { compareBson, typeRank } from './bson-compare.js';
import { fail } from './fail.js';

/** `$bucket: {groupBy, boundaries, default, output}`. */
export function $bucket(coll: Iterator, expr: Document, options: Options): Iterator {
  const bounds: unknown = expr.boundaries;
  if (!isArray(bounds) || bounds.length < 2)
    throw fail('BadValue', "$bucket requires 'boundaries' to be an array of at least 2 values");
  for (let i = 1; i < bounds.length; i++) {
    if (typeRank(bounds[i]) !== typeRank(bounds[i - 1]) || compareBson(bounds[i - 1], bounds[i]) >= 0) {
      throw fail(
        'BadValue',
        "$bucket: the 'boundaries' option must be sorted in ascending order and of one type",
      );
    }
  }
  const hasDefault = 'default' in expr;
  const output: unknown = expr.output ?? { count: { $sum: 1 } };
  return coll.transform((items: unknown[]) => {
    const groups: unknown[][] = bounds.slice(0, -1).map(() => []);
    const fallback: unknown[] = [];
    for (const obj of items) {
      const key = evalExpr(obj, expr.groupBy, options);
      const inRange = compareBson(key, bounds[0]) >= 0 && compareBson(key, bounds[bounds.length - 1]) < 0;
      const sameType = typeRank(key) === typeRank(bounds[0]);
      if (!inRange || !sameType) {
        if (!hasDefault)
          throw fail(
            'BadValue',
            '$bucket could not find a matching branch for an input, and no default was specified.',
          );
        fallback.push(obj);
        continue;
      }
      let index = 0;
      while (index + 1 < bounds.length - 1 && compareBson(key, bounds[index + 1]) >= 0) index++;
      groups[index]?.push(obj);
    }
    const results: Document[] = [];
    const emit = (id: unknown, members: unknown[]): void => {
      if (members.length > 0) results.push({ _id: id, ...(evalExpr(members, output, options) as Document) });
    };
    groups.forEach((members, i) => emit(bounds[i], members));
    emit(expr.default, fallback);
    return Lazy(results);
  });
}
