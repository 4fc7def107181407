/**
 * One index of one collection: its spec and its sorted entries. An entry is the encoded key (components
 * joined by '\x00') followed by '\x00' and the document's id key, so entries are unique even in a
 * non-unique index and a key's documents are one contiguous range.
 */
import type { Document } from 'bson';
import { EngineError, ErrorCodes } from '../errors';
import { compileFilter } from '../semantics/index';
import {
  EMPTY_ARRAY_KEY,
  collationIdentity,
  collationTransform,
  encodeKeyValue,
  type StringTransform,
} from './key-encoding';
import { EMPTY_ARRAY, MULTIPLE, keyTuples, singleValueAtPath, valueAtPath } from './path-values';
import { SortedStringList } from './sorted-list';

/** One key of a document in an index: the encoded key and the raw values (for keyValue in errors). */
export interface IndexKey {
  encoded: string;
  /** Raw values per field, kept only for fanned-out (multikey) keys; otherwise read from the document. */
  values?: unknown[];
}

/** A compound key may fan out over array elements; past this many keys per document, refuse. */
const MAX_KEYS_PER_DOCUMENT = 10_000;

export class IndexState {
  readonly name: string;
  readonly fields: readonly string[];
  readonly unique: boolean;
  readonly sparse: boolean;
  /** Text indexes are accepted and listed, but keep no entries (`$text` scans). */
  readonly isText: boolean;
  readonly collation: string;
  readonly entries = new SortedStringList();
  private readonly fieldParts: string[][];
  /** Set once any document contributed several keys: the index can then no longer provide a sort. */
  multikey = false;
  private readonly collate: StringTransform | undefined;
  private readonly partial: ((doc: Document) => boolean) | undefined;

  constructor(readonly spec: Document) {
    this.name = String(spec.name);
    const key = spec.key as Document;
    this.fields = Object.keys(key);
    this.fieldParts = this.fields.map((f) => f.split('.'));
    this.isText = Object.values(key).some((v) => v === 'text');
    this.unique = spec.unique === true;
    this.sparse = spec.sparse === true;
    this.collation = collationIdentity(spec.collation as Document | undefined);
    this.collate = collationTransform(spec.collation as Document | undefined);
    const pfe = spec.partialFilterExpression as Document | undefined;
    this.partial = pfe ? compileFilter(pfe) : undefined;
  }

  get isPartial(): boolean {
    return this.partial !== undefined;
  }

  /** The `partialFilterExpression` as declared (the planner checks that a query implies it). */
  get partialFilter(): Document | undefined {
    return this.spec.partialFilterExpression as Document | undefined;
  }

  get isTtl(): boolean {
    return this.spec.expireAfterSeconds !== undefined && this.fields.length === 1;
  }

  /** Encodes a value of one of this index's fields the way entries store it. */
  encode(value: unknown): string {
    return value === EMPTY_ARRAY ? EMPTY_ARRAY_KEY : encodeKeyValue(value, this.collate);
  }

  /** The keys `doc` contributes; empty when the document is not in the index (sparse, partial, text). */
  keysOf(doc: Document): IndexKey[] {
    if (this.isText) return [];
    if (this.partial && !this.partial(doc)) return [];
    // Fast path (the common case): every indexed field holds one non-array value.
    let encoded = '';
    let allMissing = true;
    for (let i = 0; i < this.fields.length; i++) {
      const v = singleValueAtPath(doc, this.fieldParts[i] as string[]);
      if (v === MULTIPLE) return this.multiKeysOf(doc);
      if (v !== undefined) allMissing = false;
      const enc = this.encode(v);
      encoded = i === 0 ? enc : `${encoded}\x00${enc}`;
    }
    if (this.sparse && allMissing) return [];
    return [{ encoded }];
  }

  /** Slow path: some field is (or passes through) an array, so keys fan out over its elements. */
  private multiKeysOf(doc: Document): IndexKey[] {
    const tuples = keyTuples(doc, this.fieldParts);
    if (this.sparse && tuples.every((t) => t.every((v) => v === undefined))) return [];
    const keys = new Map<string, IndexKey>();
    for (const tuple of tuples) {
      const encoded = tuple.map((v) => this.encode(v)).join('\x00');
      if (!keys.has(encoded))
        keys.set(encoded, { encoded, values: tuple.map((v) => (v === EMPTY_ARRAY ? [] : (v ?? null))) });
      if (keys.size > MAX_KEYS_PER_DOCUMENT) {
        throw new EngineError(ErrorCodes.BadValue, 'BadValue', `too many index keys for index ${this.name}`);
      }
    }
    this.multikey = true;
    return [...keys.values()];
  }

  /** The id key of another document holding `key`, if this is a unique index and there is one. */
  findConflict(key: IndexKey, idKey: string): string | undefined {
    if (!this.unique) return undefined;
    const prefix = `${key.encoded}\x00`;
    const own = prefix + idKey;
    const other = this.entries.firstInRange(prefix, `${key.encoded}\x01`, (e) => e !== own);
    return other === undefined ? undefined : other.slice(prefix.length);
  }

  add(keys: readonly IndexKey[], idKey: string): void {
    for (const k of keys) this.entries.add(`${k.encoded}\x00${idKey}`);
  }

  remove(keys: readonly IndexKey[], idKey: string): void {
    for (const k of keys) this.entries.delete(`${k.encoded}\x00${idKey}`);
  }

  /** `{field: value}` for the fields of this index, from one key of a document (duplicate-key errors). */
  keyValue(key: IndexKey, doc: Document): Document {
    const out: Document = {};
    this.fields.forEach((f, i) => {
      out[f] = key.values ? (key.values[i] ?? null) : (valueAtPath(doc, f) ?? null);
    });
    return out;
  }

  clear(): void {
    this.entries.clear();
    this.multikey = false;
  }
}

/** Extracts the id key from an index entry (everything after the last separator). */
export function idKeyOfEntry(entry: string): string {
  return entry.slice(entry.lastIndexOf('\x00') + 1);
}
