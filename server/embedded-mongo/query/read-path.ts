/**
 * Finding documents: plan candidates (index or scan), apply the full filter, sort, skip and limit.
 * Every read command (find, count, distinct, the first `$match` of aggregate) and every write that
 * selects documents (update, delete, findAndModify) goes through here.
 */
import type { Document } from 'bson';
import type { Collection } from '../catalog/collection';
import { compileFilter, sortDocuments } from '../semantics/index';
import { planQuery, type QueryPlan } from './planner';

export interface ReadOptions {
  filter?: Document;
  sort?: Document;
  skip?: number;
  /** 0 or undefined: no limit. */
  limit?: number;
  collation?: Document;
  let?: Document;
}

export interface ReadResult {
  docs: Document[];
  plan: QueryPlan;
  /** How many candidates were examined (explain's totalDocsExamined). */
  examined: number;
}

/** Documents of `coll` matching `opts`, sorted, skipped and limited. */
export function findDocuments(coll: Collection, opts: ReadOptions): ReadResult {
  const filter = opts.filter ?? {};
  const sort = opts.sort && Object.keys(opts.sort).length > 0 ? opts.sort : undefined;
  const plan = planQuery(coll, filter, sort, opts.collation);
  const matches =
    Object.keys(filter).length === 0 || plan.exact
      ? () => true
      : (plan.verify ?? compileFilter(filter, { collation: opts.collation, let: opts.let }));
  const skip = Math.max(0, opts.skip ?? 0);
  const limit = opts.limit && opts.limit > 0 ? opts.limit : Number.POSITIVE_INFINITY;
  let examined = 0;
  if (!sort || plan.sorted) {
    // Candidates already come in the right order: stop as soon as enough matched.
    const docs: Document[] = [];
    let skipped = 0;
    for (const doc of plan.candidates) {
      examined += 1;
      if (!matches(doc)) continue;
      if (skipped < skip) {
        skipped += 1;
        continue;
      }
      docs.push(doc);
      if (docs.length >= limit) break;
    }
    return { docs, plan, examined };
  }
  const matched: Document[] = [];
  for (const doc of plan.candidates) {
    examined += 1;
    if (matches(doc)) matched.push(doc);
  }
  const sorted = sortDocuments(matched, sort, opts.collation);
  const end = Number.isFinite(limit) ? skip + limit : sorted.length;
  return { docs: skip === 0 && end >= sorted.length ? sorted : sorted.slice(skip, end), plan, examined };
}
