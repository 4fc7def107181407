/** The `$match` pipeline stage with the same filter rewriting as find. */
import type { Document } from 'bson';
import type { Iterator } from 'mingo/lazy';
import { Query } from 'mingo/query';
import type { Options } from 'mingo/types';
import { rewriteFilter } from './filter-rewrite.js';

/** `$match`: regex flags, `__proto__` paths and the `$where` refusal behave as in find. */
export function $match(coll: Iterator, expr: Document, options: Options): Iterator {
  const query = new Query(rewriteFilter(expr), options);
  return coll.filter((o) => query.test(o as Document));
}
