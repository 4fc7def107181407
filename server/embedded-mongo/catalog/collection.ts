/**
 * One collection: documents by canonical `_id` key, plus its indexes. Every mutation checks all unique
 * indexes before changing anything, synchronously, so a write is all-or-nothing per document and two
 * clients racing on the same key cannot both win (the engine is single-threaded JavaScript).
 *
 * Stored documents are immutable: an update stores a new object. Compaction iterates snapshots lazily and
 * cursors hold references, so mutating a stored document in place would corrupt both.
 */
import { UUID, type Document } from 'bson';
import { EngineError, ErrorCodes } from '../errors';
import { IndexState, type IndexKey } from '../indexes/index-state';
import { idKeyOf } from '../indexes/key-encoding';
import { isPlainDocument, isRegexValue } from '../indexes/bson-kinds';
import type { ChangeLog } from '../persistence/journal-format';
import { compileFilter } from '../semantics/index';
import { duplicateKeyError } from './duplicate-key';

export const ID_INDEX_SPEC: Document = { v: 2, key: { _id: 1 }, name: '_id_' };

export class Collection {
  readonly docs = new Map<string, Document>();
  readonly indexes = new Map<string, IndexState>();
  readonly uuid = new UUID();
  private validator: ((doc: Document) => boolean) | undefined;

  constructor(
    readonly db: string,
    public name: string,
    private opts: Document,
    private readonly log: ChangeLog,
  ) {
    this.indexes.set('_id_', new IndexState(ID_INDEX_SPEC));
    this.setOptions(opts);
  }

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  get options(): Document {
    return this.opts;
  }

  /** Replaces the collection options (create, collMod); compiles the validator once. */
  setOptions(options: Document): void {
    const validator: unknown = options.validator;
    const active =
      isPlainDocument(validator) && Object.keys(validator).length > 0 && options.validationLevel !== 'off';
    this.validator = active ? compileFilter(validator) : undefined;
    this.opts = options;
  }

  getById(id: unknown): Document | undefined {
    return this.docs.get(idKeyOf(id));
  }

  private validate(doc: Document): void {
    if (!this.validator || this.opts.validationAction === 'warn') return;
    if (!this.validator(doc)) {
      throw new EngineError(
        ErrorCodes.DocumentValidationFailure,
        'DocumentValidationFailure',
        'Document failed validation',
        {
          errInfo: {
            failingDocumentId: doc._id as unknown,
            details: { operatorName: '$and', schemaRulesNotSatisfied: [] },
          },
        },
      );
    }
  }

  private throwDuplicate(index: IndexState, key: IndexKey, doc: Document): never {
    throw duplicateKeyError(this.ns, index.name, index.spec.key as Document, index.keyValue(key, doc));
  }

  /** Inserts a document that already has its `_id`. Throws 11000 / 121 without changing anything. */
  insert(doc: Document): void {
    const id: unknown = doc._id;
    if (Array.isArray(id) || isRegexValue(id)) {
      throw new EngineError(
        ErrorCodes.BadValue,
        'BadValue',
        `can't use an ${Array.isArray(id) ? 'array' : 'regex'} for _id`,
      );
    }
    const idKey = idKeyOf(id);
    // Index conflicts are "another document has this key"; a second document with this _id is the
    // same id key, so the _id index is checked against the document map instead.
    const idIndex = this.indexes.get('_id_');
    if (idIndex && this.docs.has(idKey)) this.throwDuplicate(idIndex, { encoded: idKey }, doc);
    const planned: Array<[IndexState, IndexKey[]]> = [];
    for (const index of this.indexes.values()) {
      const keys = index.keysOf(doc);
      for (const key of keys)
        if (index.findConflict(key, idKey) !== undefined) this.throwDuplicate(index, key, doc);
      planned.push([index, keys]);
    }
    this.validate(doc);
    for (const [index, keys] of planned) index.add(keys, idKey);
    this.docs.set(idKey, doc);
    this.log.put(this.ns, doc);
  }

  /** Replaces the stored document with the same `_id` by `next` (a new object). */
  replace(current: Document, next: Document): void {
    const idKey = idKeyOf(current._id);
    if (idKeyOf(next._id) !== idKey) {
      throw new EngineError(
        ErrorCodes.ImmutableField,
        'ImmutableField',
        "Performing an update on the path '_id' would modify the immutable field '_id'",
      );
    }
    const changes: Array<[IndexState, IndexKey[], IndexKey[]]> = [];
    for (const index of this.indexes.values()) {
      const before = index.keysOf(current);
      const after = index.keysOf(next);
      if (sameKeys(before, after)) continue;
      const old = new Set(before.map((k) => k.encoded));
      for (const key of after) {
        if (!old.has(key.encoded) && index.findConflict(key, idKey) !== undefined)
          this.throwDuplicate(index, key, next);
      }
      changes.push([index, before, after]);
    }
    this.validate(next);
    for (const [index, before, after] of changes) {
      index.remove(before, idKey);
      index.add(after, idKey);
    }
    this.docs.set(idKey, next);
    this.log.put(this.ns, next);
  }

  /** Deletes by `_id` key; returns the removed document. */
  remove(idKey: string): Document | undefined {
    const doc = this.docs.get(idKey);
    if (!doc) return undefined;
    for (const index of this.indexes.values()) index.remove(index.keysOf(doc), idKey);
    this.docs.delete(idKey);
    this.log.del(this.ns, doc._id);
    return doc;
  }

  /**
   * Builds and adds an index over the existing documents. A unique violation throws 11000 and leaves
   * the collection without the index.
   */
  addIndex(spec: Document): IndexState {
    const index = new IndexState(spec);
    for (const [idKey, doc] of this.docs) {
      for (const key of index.keysOf(doc)) {
        if (index.findConflict(key, idKey) !== undefined) this.throwDuplicate(index, key, doc);
        index.add([key], idKey);
      }
    }
    this.indexes.set(index.name, index);
    return index;
  }

  dropIndex(name: string): void {
    this.indexes.delete(name);
  }

  /** Recovery: stores a document without index maintenance (indexes are rebuilt once at the end). */
  restorePut(doc: Document): void {
    this.docs.set(idKeyOf(doc._id), doc);
  }

  restoreDelete(id: unknown): void {
    this.docs.delete(idKeyOf(id));
  }

  /** Recovery: declares an index whose entries `rebuildIndexes` builds once all documents are loaded. */
  registerIndexSpec(spec: Document): void {
    this.indexes.set(String(spec.name), new IndexState(spec));
  }

  /** Recovery: rebuilds every index from the documents; a unique violation means corrupted data. */
  rebuildIndexes(): void {
    const specs = [...this.indexes.values()].map((i) => i.spec);
    this.indexes.clear();
    for (const spec of specs) this.addIndex(spec);
  }
}

function sameKeys(a: IndexKey[], b: IndexKey[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++)
    if ((a[i] as IndexKey).encoded !== (b[i] as IndexKey).encoded) return false;
  return true;
}
