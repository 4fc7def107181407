/**
 * Pipeline-style updates (`update: [{$set: ...}, ...]`): the stages run through the aggregation engine
 * on the one document, and every value a stage did not change keeps its stored BSON type.
 */
import type { Document } from 'bson';
import { fail } from './fail.js';
import { runPipeline } from './pipeline.js';

const UPDATE_STAGES = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith']);

/** Runs an update pipeline over one document; _id is put back first if a stage dropped it. */
export function applyPipelineUpdate(
  doc: Document,
  stages: Document[],
  variables: Document | undefined,
): Document {
  for (const stage of stages) {
    const [name] = Object.keys(stage);
    if (name === undefined || !UPDATE_STAGES.has(name)) {
      throw fail('InvalidOptions', `${name ?? '{}'} is not allowed to be used within an update`);
    }
  }
  const [result] = runPipeline([doc], stages, { resolveCollection: () => [], let: variables }, doc);
  if (!result) return doc;
  const id: unknown = doc._id;
  if (result._id === undefined && id !== undefined) return { _id: id, ...result };
  return result;
}
