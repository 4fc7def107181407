/**
 * Public surface of the embedded engine's MongoDB semantics: query matching, BSON ordering, updates,
 * projections and aggregation, built on mingo and corrected where mingo differs from MongoDB.
 * Other parts of the engine import only this file.
 */
import type { Document } from 'bson';
import { compareBson as compareValues } from './bson-compare.js';
import { collationComparator } from './collation.js';

export { compileFilter, type FilterOptions } from './filter.js';
export { sortDocuments } from './sort.js';
export { applyUpdate, type UpdateOptions, type UpdateOutcome } from './update.js';
export { upsertSeed } from './upsert-seed.js';
export { projectDocument, type ProjectionOptions } from './projection.js';
export { runPipeline, type PipelineContext } from './pipeline.js';
export { bsonTypeOf, type BsonTypeName } from './bson-types.js';
export { normalizeCollation, normalizeLocale } from './collation.js';

/**
 * Compares two BSON values in MongoDB's order (MinKey < null/missing < numbers < strings < objects <
 * arrays < binData < ObjectId < bool < Date < Timestamp < RegExp < MaxKey); numbers compare by value
 * across int, long, double and decimal. Usable as an index-key comparator.
 * @param collation optional collation document applied to strings.
 */
export function compareBson(a: unknown, b: unknown, collation?: Document): number {
  return compareValues(a, b, collationComparator(collation));
}
