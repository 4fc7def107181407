/**
 * The `$project` pipeline stage: mingo's, with MongoDB's output order restored. mingo emits fields in
 * projection-spec order and `_id` last; MongoDB emits `_id` first, then the kept fields in the order
 * the input document stores them, then new computed fields.
 */
import type { Document } from 'bson';
import { Lazy, type Iterator } from 'mingo/lazy';
import { $project as mingoProject } from 'mingo/operators/pipeline';
import type { Options } from 'mingo/types';

function reorder(input: Document, output: Document): Document {
  const out: Document = {};
  if ('_id' in output) out._id = output._id as unknown;
  for (const key of Object.keys(input)) if (key !== '_id' && key in output) out[key] = output[key] as unknown;
  for (const key of Object.keys(output)) if (!(key in out)) out[key] = output[key] as unknown;
  return out;
}

/** `$project` with MongoDB's field order. */
export function $project(coll: Iterator, expr: Document, options: Options): Iterator {
  return coll.map((doc) => {
    const [projected] = mingoProject(Lazy([doc]), expr, options).collect<Document>();
    return projected ? reorder(doc as Document, projected) : projected;
  });
}
