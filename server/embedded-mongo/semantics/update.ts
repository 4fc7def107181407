/**
 * applyUpdate: MongoDB update semantics over an immutable stored document. Operator updates are
 * applied here (not by mingo's updater, which mutates, ignores numeric types, lacks $setOnInsert and
 * reports neither conflicts nor type errors as MongoDB does); pipeline updates go through the
 * aggregation engine; replacements keep _id.
 */
import { BSON, type Document } from 'bson';
import { bsonTypeOf, isPlainDocument } from './bson-types.js';
import { compareBson } from './bson-compare.js';
import { fail, show } from './fail.js';
import { arrayOperators } from './update-arrays.js';
import { fieldOperators, type ApplyContext, type FieldOperator } from './update-operators.js';
import { assertNoConflicts, comparePaths, copyValue, expandPath } from './update-paths.js';
import { applyPipelineUpdate } from './update-pipeline.js';
import { makePositionalResolver } from './update-positional.js';
import { assertSafeFieldPath } from './reserved-names.js';

/** Options of {@link applyUpdate}. */
export interface UpdateOptions {
  /** True on the insert branch of an upsert: `$setOnInsert` applies and `_id` may be set. */
  isUpsertInsert: boolean;
  /** Filters for `$[<identifier>]` paths. */
  arrayFilters?: Document[];
  /** `let` variables for pipeline updates. */
  let?: Document;
  /** The update's query filter; needed only to resolve the positional `$` operator. */
  filter?: Document;
}

/** Result of {@link applyUpdate}. */
export interface UpdateOutcome {
  /** The updated document (a new object; the input is never changed). */
  doc: Document;
  /** False when the update left the document byte-for-byte unchanged (MongoDB's nModified). */
  modified: boolean;
}

const OPERATORS: Record<string, FieldOperator> = { ...fieldOperators, ...arrayOperators };

function sameBson(a: Document, b: Document): boolean {
  return Buffer.from(BSON.serialize(a)).equals(BSON.serialize(b));
}

function assertIdUnchanged(before: Document, after: Document): void {
  const a: unknown = before._id;
  const b: unknown = after._id;
  if (a === undefined) return;
  if (b === undefined || bsonTypeOf(a) !== bsonTypeOf(b) || compareBson(a, b) !== 0) {
    throw fail(
      'ImmutableField',
      "Performing an update on the path '_id' would modify the immutable field '_id'",
    );
  }
}

function applyReplacement(doc: Document, replacement: Document, isUpsertInsert: boolean): Document {
  for (const key of Object.keys(replacement)) {
    if (key.startsWith('$')) {
      throw fail(
        'DollarPrefixedFieldName',
        `The dollar ($) prefixed field '${key}' in '${key}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.`,
      );
    }
  }
  const { _id: newId, ...rest } = copyValue(replacement as Record<string, unknown>);
  const oldId: unknown = doc._id;
  const id: unknown = oldId !== undefined && !isUpsertInsert ? oldId : (newId ?? oldId);
  if (
    !isUpsertInsert &&
    newId !== undefined &&
    doc._id !== undefined &&
    (bsonTypeOf(newId) !== bsonTypeOf(doc._id) || compareBson(newId, doc._id) !== 0)
  ) {
    throw fail(
      'ImmutableField',
      `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${show(newId)}`,
    );
  }
  return id === undefined ? rest : { _id: id, ...rest };
}

interface Target {
  op: string;
  parts: string[];
  arg: unknown;
}

function collectTargets(doc: Document, update: Document, opts: UpdateOptions): Target[] {
  const paths: string[] = [];
  const raw: { op: string; path: string; arg: unknown }[] = [];
  for (const [op, spec] of Object.entries(update)) {
    if (!OPERATORS[op]) {
      throw fail(
        'FailedToParse',
        `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`,
      );
    }
    if (!isPlainDocument(spec)) {
      throw fail(
        'FailedToParse',
        `Modifiers operate on fields but we found type ${bsonTypeOf(spec)} instead. For example: {$mod: {<field>: ...}} not {${op}: ${String(spec)}}`,
      );
    }
    if (op === '$setOnInsert' && !opts.isUpsertInsert) {
      for (const path of Object.keys(spec)) assertSafeFieldPath(path);
      paths.push(...Object.keys(spec)); // still part of the conflict check, as in MongoDB
      continue;
    }
    for (const [path, arg] of Object.entries(spec)) {
      if (path === '' || path.split('.').includes(''))
        throw fail('EmptyFieldName', `An empty update path is not valid.`);
      assertSafeFieldPath(path);
      if (op === '$rename' && typeof arg === 'string') assertSafeFieldPath(arg);
      paths.push(path);
      if (op === '$rename' && arg !== path) paths.push(String(arg));
      raw.push({ op, path, arg });
    }
  }
  assertNoConflicts(paths);
  const resolver = makePositionalResolver(
    opts.filter,
    opts.arrayFilters ?? [],
    raw.map((r) => r.path),
  );
  const targets = raw.flatMap(({ op, path, arg }) =>
    expandPath(doc, path, resolver).map((parts) => ({ op, parts, arg })),
  );
  resolver.assertAllFiltersUsed();
  // MongoDB (5.0+) applies updates in field-name order, which also fixes the order new fields appear in.
  return targets.sort((a, b) => comparePaths(a.parts, b.parts));
}

/**
 * Applies a MongoDB update to a stored document and returns the result as a new object; the input is
 * never mutated (the store shares document objects between readers).
 * - operator updates (`{$set: ...}`): BSON numeric types are kept, `$setOnInsert` only applies when
 *   `isUpsertInsert`, conflicting paths fail with code 40, type errors with MongoDB's codes;
 * - replacements (no operators) keep `_id`;
 * - pipelines (an array of `$set`/`$addFields`/`$unset`/`$project`/`$replaceWith`/`$replaceRoot`).
 * Changing `_id` of an existing document fails with code 66 ImmutableField.
 * @throws EngineError for an invalid update.
 */
export function applyUpdate(
  doc: Document,
  update: Document | Document[],
  opts: UpdateOptions,
): UpdateOutcome {
  let result: Document;
  if (Array.isArray(update)) {
    result = applyPipelineUpdate(doc, update, opts.let);
    if (!opts.isUpsertInsert) assertIdUnchanged(doc, result);
  } else if (Object.keys(update).length === 0 || !Object.keys(update)[0]?.startsWith('$')) {
    result = applyReplacement(doc, update, opts.isUpsertInsert);
  } else {
    const working = copyValue(doc);
    const ctx: ApplyContext = { id: doc._id, now: new Date() };
    for (const { op, parts, arg } of collectTargets(working, update, opts)) {
      (OPERATORS[op] as FieldOperator)(working, parts, arg, ctx);
    }
    if (!opts.isUpsertInsert) assertIdUnchanged(doc, working);
    result = working;
  }
  if (opts.isUpsertInsert && result._id !== undefined && Object.keys(result)[0] !== '_id') {
    // An inserted document always starts with _id, wherever the update put it.
    const { _id, ...rest } = result as Record<string, unknown>;
    result = { _id, ...rest };
  }
  return { doc: result, modified: !sameBson(doc, result) };
}
