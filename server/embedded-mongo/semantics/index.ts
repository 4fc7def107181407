/**
 * Public surface of the embedded engine's MongoDB semantics: query matching, BSON ordering, updates,
 * projections and aggregation, built on mingo and corrected where mingo differs from MongoDB.
 * Other parts of the engine import only this file.
 */
import type { Document } from 'bson';
import { Aggregator } from 'mingo/aggregator';
import { Query } from 'mingo/query';
import { Context } from 'mingo/core';
import * as queryOps from 'mingo/operators/query';
import * as expressionOps from 'mingo/operators/expression';
import * as pipelineOps from 'mingo/operators/pipeline';
import * as accumulatorOps from 'mingo/operators/accumulator';
import * as projectionOps from 'mingo/operators/projection';
import { updateOne } from 'mingo/updater';
import { compare, cloneDeep } from 'mingo/util';

const context = Context.init({
  query: queryOps,
  expression: expressionOps,
  pipeline: pipelineOps,
  accumulator: accumulatorOps,
  projection: projectionOps,
} as never);

/** Compiles a MongoDB query filter into a predicate over stored documents. */
export function compileFilter(
  filter: Document,
  opts: { collation?: Document; let?: Document } = {},
): (doc: Document) => boolean {
  const query = new Query(filter, { context, variables: opts.let } as never);
  return (doc) => query.test(doc);
}

/** Compares two BSON values in MongoDB's cross-type order. */
export function compareBson(a: unknown, b: unknown): number {
  return compare(a, b);
}

/** Sorts documents by a MongoDB sort specification; stable, returns a new array. */
export function sortDocuments(docs: Document[], sort: Document, _collation?: Document): Document[] {
  const keys = Object.entries(sort);
  return docs.slice().sort((x, y) => {
    for (const [k, dir] of keys) {
      const c = compare(x[k], y[k]);
      if (c !== 0) return Number(dir) < 0 ? -c : c;
    }
    return 0;
  });
}

/** Applies an update (operators, replacement or pipeline) to a document; never mutates the input. */
export function applyUpdate(
  doc: Document,
  update: Document | Document[],
  opts: { isUpsertInsert: boolean; arrayFilters?: Document[]; let?: Document },
): { doc: Document; modified: boolean } {
  const copy = cloneDeep(doc) as Document;
  if (!Array.isArray(update) && !Object.keys(update).some((k) => k.startsWith('$'))) {
    return { doc: { _id: doc._id, ...update }, modified: true };
  }
  const docs = [copy];
  const res = updateOne(docs, {}, update as never, { arrayFilters: opts.arrayFilters, let: opts.let }, {
    context,
  } as never);
  return { doc: docs[0] ?? copy, modified: res.modifiedCount > 0 };
}

/** The equality fields of a filter, used as the base document of an upsert insert. */
export function upsertSeed(filter: Document): Document {
  const seed: Document = {};
  for (const [k, v] of Object.entries(filter)) {
    if (k.startsWith('$')) continue;
    seed[k] = v;
  }
  return seed;
}

/** Applies a find projection to a document. */
export function projectDocument(doc: Document, projection: Document): Document {
  const query = new Query({}, { context } as never);
  return (query.find([doc], projection).all()[0] ?? {}) as Document;
}

/** Runs an aggregation pipeline over documents. */
export function runPipeline(
  docs: Iterable<Document>,
  pipeline: Document[],
  ctx: { resolveCollection(name: string): Document[]; collation?: Document; let?: Document },
): Document[] {
  const agg = new Aggregator(pipeline, {
    context,
    collectionResolver: (name: string) => ctx.resolveCollection(name),
    variables: ctx.let,
  } as never);
  return agg.run(Array.from(docs)) as Document[];
}
