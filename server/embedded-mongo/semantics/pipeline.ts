/**
 * Aggregation pipelines on mingo's Aggregator with the engine's operator context. Input documents are
 * converted to mingo's value space (see normalize.ts) and converted back on output, keeping the stored
 * BSON type of every value that passed through unchanged; `$lookup`, `$unionWith` and `$graphLookup`
 * read sibling collections through the caller's resolver.
 */
import type { Document, ObjectId } from 'bson';
import { Aggregator } from 'mingo/aggregator';
import { bsonTag, numberOf } from './bson-types.js';
import { normalizeCollation } from './collation.js';
import { engineContext, rethrowAsEngineError } from './mingo-context.js';
import { fromMingo, originOf, toMingo } from './normalize.js';
import { assertSafePipeline } from './reserved-names.js';

/** What {@link runPipeline} needs from the database it runs in. */
export interface PipelineContext {
  /** Documents of another collection of the same database (for `$lookup`, `$unionWith`, `$graphLookup`). */
  resolveCollection(name: string): Document[];
  /** The aggregate command's collation. */
  collation?: Document;
  /** The aggregate command's `let` variables (`$$name`). */
  let?: Document;
}

/** A lookup key for the _id values that identify a source document (ObjectId, string, number). */
function idKey(id: unknown): string | undefined {
  if (typeof id === 'string' || typeof id === 'number') return `${typeof id}:${id}`;
  const n = numberOf(id);
  if (n !== undefined) return `number:${n}`;
  if (bsonTag(id) === 'ObjectId') return `oid:${(id as ObjectId).toHexString()}`;
  return undefined;
}

/**
 * Runs an aggregation pipeline over `docs` and returns the output documents.
 * @param origin internal: for a one-document run (pipeline updates), the document whose field types
 *   are restored in the output even where a stage rebuilt the top-level object.
 * @throws EngineError (BadValue) for an invalid pipeline or a failing expression.
 */
export function runPipeline(
  docs: Iterable<Document>,
  pipeline: Document[],
  ctx: PipelineContext,
  origin?: Document,
): Document[] {
  assertSafePipeline(pipeline);
  const resolved = new Map<string, Document[]>();
  const inputDocs = Array.from(docs);
  const input = inputDocs.map((d) => toMingo(d, true) as Document);
  const stages = pipeline.map((stage) => toMingo(stage) as Document);
  const aggregator = new Aggregator(stages, {
    context: engineContext(),
    collation: normalizeCollation(ctx.collation),
    variables: ctx.let ? (toMingo(ctx.let) as Document) : undefined,
    scriptEnabled: false,
    collectionResolver: (name: string) => {
      // Converted once per run: nested $lookup/$facet stages may resolve the same collection again.
      let converted = resolved.get(name);
      if (!converted) {
        converted = ctx.resolveCollection(name).map((d) => toMingo(d, true) as Document);
        resolved.set(name, converted);
      }
      return converted;
    },
  });
  const output = rethrowAsEngineError(() => aggregator.run(input));
  // $project and $group build new top-level objects; an _id equal to an input's still names the source.
  let byId: Map<string, Document> | undefined;
  const sourceOf = (d: Document): Document | undefined => {
    if (origin) return origin;
    if (originOf(d) !== undefined) return undefined;
    byId ??= new Map(inputDocs.map((x) => [idKey(x._id) ?? '', x]));
    return byId.get(idKey(d._id) ?? '\u0000');
  };
  return output.map((d) => fromMingo(d, sourceOf(d)) as Document);
}
