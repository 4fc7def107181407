/**
 * What the engine writes to the durable store. The store treats payloads as opaque BSON; this file is
 * the one definition of their meaning.
 *
 * Journal record (one per write command, appended before the command is acknowledged):
 *   `{ v: 1, ops: JournalOp[] }`, ops applied in order on replay. Ops carry RESULTS, never the command:
 *   - `{op: 'put', ns, docs}`: post-images of inserted/updated documents (upsert by `_id`), so replay
 *     never re-evaluates `$inc`, `$currentDate` or generated ObjectIds;
 *   - `{op: 'del', ns, ids}`: `_id`s of deleted documents;
 *   - catalog changes: `createCollection {ns, options}`, `dropCollection {ns}`, `dropDatabase {db}`,
 *     `createIndexes {ns, specs}`, `dropIndexes {ns, names}`, `rename {from, to}` (the target was
 *     dropped by an earlier op of the same record when `dropTarget` was asked), `collMod {ns, options}`.
 *   A large command is split into several records (each under MAX_RECORD_BYTES); a command is still
 *   acknowledged only when its last record is durable.
 *
 * Snapshot (written by compaction, read back first on recovery): a sequence of documents
 *   - first `{t: 'catalog', v: 1, collections: [{ns, options, indexes: [spec...]}]}`,
 *   - then `{t: 'docs', ns, docs: [...]}` batches of at most SNAPSHOT_BATCH documents.
 * `ns` is `<db>.<collection>`; database names contain no '.', so the first '.' splits it.
 */
import type { Document } from 'bson';

export type JournalOp =
  | { op: 'put'; ns: string; docs: Document[] }
  | { op: 'del'; ns: string; ids: unknown[] }
  | { op: 'createCollection'; ns: string; options: Document }
  | { op: 'dropCollection'; ns: string }
  | { op: 'dropDatabase'; db: string }
  | { op: 'createIndexes'; ns: string; specs: Document[] }
  | { op: 'dropIndexes'; ns: string; names: string[] }
  | { op: 'rename'; from: string; to: string }
  | { op: 'collMod'; ns: string; options: Document };

export interface JournalRecord {
  v: 1;
  ops: JournalOp[];
}

export interface SnapshotCatalog {
  t: 'catalog';
  v: 1;
  collections: Array<{ ns: string; options: Document; indexes: Document[] }>;
}

export interface SnapshotDocs {
  t: 'docs';
  ns: string;
  docs: Document[];
}

export const SNAPSHOT_BATCH = 1000;
/** Journal records stay well under bson's default 16 MiB serialisation buffer. */
export const MAX_RECORD_BYTES = 8 * 1024 * 1024;

/** Splits `<db>.<collection>`. */
export function splitNs(ns: string): { db: string; coll: string } {
  const dot = ns.indexOf('.');
  return dot < 0 ? { db: ns, coll: '' } : { db: ns.slice(0, dot), coll: ns.slice(dot + 1) };
}

/**
 * Collects the ops of the command being executed. Collections and the catalog record into it as they
 * change; the dispatcher drains it after each command and appends the result to the journal.
 */
export class ChangeLog {
  private ops: JournalOp[] = [];
  /** False during recovery: replayed changes are already in the journal. */
  enabled = true;

  put(ns: string, doc: Document): void {
    if (!this.enabled) return;
    const last = this.ops[this.ops.length - 1];
    if (last?.op === 'put' && last.ns === ns) last.docs.push(doc);
    else this.ops.push({ op: 'put', ns, docs: [doc] });
  }

  del(ns: string, id: unknown): void {
    if (!this.enabled) return;
    const last = this.ops[this.ops.length - 1];
    if (last?.op === 'del' && last.ns === ns) last.ids.push(id);
    else this.ops.push({ op: 'del', ns, ids: [id] });
  }

  catalog(op: JournalOp): void {
    if (this.enabled) this.ops.push(op);
  }

  get isEmpty(): boolean {
    return this.ops.length === 0;
  }

  /** Returns and clears the pending ops. */
  drain(): JournalOp[] {
    const ops = this.ops;
    this.ops = [];
    return ops;
  }
}
