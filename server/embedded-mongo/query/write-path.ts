/**
 * Updates and deletes of selected documents, shared by `update`, `delete`, `findAndModify` and the
 * admin `bulkWrite`. Each function runs synchronously to completion: selection, checks and changes of
 * one statement never interleave with another command.
 */
import { ObjectId, type Document } from 'bson';
import type { Catalog } from '../catalog/catalog';
import type { Collection } from '../catalog/collection';
import { EngineError, ErrorCodes } from '../errors';
import { idKeyOf } from '../indexes/key-encoding';
import { applyUpdate, upsertSeed } from '../semantics/index';
import { findDocuments } from './read-path';

export interface UpdateStatement {
  filter: Document;
  update: Document | Document[];
  upsert: boolean;
  multi: boolean;
  sort?: Document;
  arrayFilters?: Document[];
  collation?: Document;
  let?: Document;
}

export interface UpdateOutcome {
  matched: number;
  modified: number;
  upsertedId?: unknown;
  /** For findAndModify: the last document before and after the change. */
  before?: Document;
  after?: Document;
}

/** Puts `_id` first (generating an ObjectId when missing), as mongod stores documents. */
export function withIdFirst(doc: Document, fallbackId?: unknown): Document {
  const id: unknown = doc._id ?? fallbackId ?? new ObjectId();
  const first = Object.keys(doc)[0];
  if (first === '_id' && doc._id !== undefined) return doc;
  const { _id: _ignored, ...rest } = doc;
  return { _id: id, ...rest };
}

function isReplacement(update: Document | Document[]): boolean {
  return !Array.isArray(update) && !Object.keys(update).some((k) => k.startsWith('$'));
}

function validateUpdateDocument(update: unknown): void {
  if (Array.isArray(update)) return;
  if (update === null || typeof update !== 'object') {
    throw new EngineError(
      ErrorCodes.FailedToParse,
      'FailedToParse',
      'Update argument must be either an object or an array',
    );
  }
}

/** Applies one update statement to `name` in `db` (creating the collection for an upsert insert). */
export function updateDocuments(
  catalog: Catalog,
  db: string,
  name: string,
  st: UpdateStatement,
): UpdateOutcome {
  validateUpdateDocument(st.update);
  const existing = catalog.get(db, name);
  const targets = existing
    ? findDocuments(existing, {
        filter: st.filter,
        sort: st.sort,
        limit: st.multi ? 0 : 1,
        collation: st.collation,
        let: st.let,
      }).docs
    : [];
  if (existing && targets.length > 0) return updateMatched(existing, targets, st);
  if (!st.upsert) return { matched: 0, modified: 0 };
  const seed = upsertSeed(st.filter);
  const opts = { isUpsertInsert: true, arrayFilters: st.arrayFilters, let: st.let };
  const seedId: unknown = seed._id;
  const seeded: Document = isReplacement(st.update) ? (seedId !== undefined ? { _id: seedId } : {}) : seed;
  const { doc } = applyUpdate(seeded, st.update, opts);
  const stored = withIdFirst(doc, seedId);
  const coll = catalog.ensure(db, name).coll;
  coll.insert(stored);
  return { matched: 0, modified: 0, upsertedId: stored._id, after: stored };
}

function updateMatched(coll: Collection, targets: Document[], st: UpdateStatement): UpdateOutcome {
  let modified = 0;
  let before: Document | undefined;
  let after: Document | undefined;
  for (const current of targets) {
    const res = applyUpdate(current, st.update, {
      isUpsertInsert: false,
      arrayFilters: st.arrayFilters,
      let: st.let,
      // The positional `$` operator resolves against the array element the filter matched.
      filter: st.filter,
    });
    const next = res.doc._id === undefined ? withIdFirst(res.doc, current._id) : res.doc;
    if (idKeyOf(next._id) !== idKeyOf(current._id)) {
      throw new EngineError(
        ErrorCodes.ImmutableField,
        'ImmutableField',
        `Performing an update on the path '_id' would modify the immutable field '_id'`,
      );
    }
    before = current;
    after = current;
    if (res.modified) {
      coll.replace(current, next);
      modified += 1;
      after = next;
    }
  }
  return { matched: targets.length, modified, before, after };
}

/** Deletes the matching documents (`limit` 1 = the first one only); returns them. */
export function deleteDocuments(
  coll: Collection,
  opts: { filter: Document; limit: number; sort?: Document; collation?: Document; let?: Document },
): Document[] {
  const targets = findDocuments(coll, {
    filter: opts.filter,
    sort: opts.sort,
    limit: opts.limit,
    collation: opts.collation,
    let: opts.let,
  }).docs;
  for (const doc of targets) coll.remove(idKeyOf(doc._id));
  return targets;
}
