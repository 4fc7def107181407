/**
 * Query filters: MongoDB filter documents compiled into predicates over stored documents. mingo's
 * Query does the parsing and the logical/array operators; the value comparisons are replaced (see
 * query-operators.ts) and the filter is first rewritten where mingo's reading differs from MongoDB's.
 */
import type { Document } from 'bson';
import { Query } from 'mingo/query';
import { normalizeCollation } from './collation.js';
import { rewriteFilter } from './filter-rewrite.js';
import { engineContext, rethrowAsEngineError } from './mingo-context.js';
import { toMingo } from './normalize.js';

export { rewriteFilter };

/** Options of {@link compileFilter}. */
export interface FilterOptions {
  /** The operation's collation (string comparison in `$eq`, `$in`, `$gt`...). */
  collation?: Document;
  /** `let` variables, visible as `$$name` inside `$expr`. */
  let?: Document;
}

/**
 * Compiles a MongoDB filter into a predicate over stored documents (as decoded with
 * `promoteValues: false`). Throws EngineError (BadValue) for a malformed filter.
 */
export function compileFilter(filter: Document, opts: FilterOptions = {}): (doc: Document) => boolean {
  const rewritten = rewriteFilter(filter);
  const query = rethrowAsEngineError(
    () =>
      new Query(rewritten, {
        context: engineContext(),
        collation: normalizeCollation(opts.collation),
        variables: opts.let ? (toMingo(opts.let) as Document) : undefined,
        scriptEnabled: false,
      }),
  );
  return (doc) => rethrowAsEngineError(() => query.test(doc));
}
