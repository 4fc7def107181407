/**
 * Rebuilding the in-memory state from the durable store: the snapshot (catalog first, then document
 * batches), then the journal records after it, applied op by op without re-journaling; finally every
 * index is rebuilt. A unique violation during that rebuild means the data on disk is corrupt.
 */
import type { Document } from 'bson';
import type { Catalog } from '../catalog/catalog';
import { EngineError } from '../errors';
import type { JournalOp } from './journal-format';
import { splitNs } from './journal-format';

function collection(catalog: Catalog, ns: string, options: Document = {}) {
  const { db, coll } = splitNs(ns);
  return catalog.restoreCollection(db, coll, options);
}

/** Applies one snapshot document. */
export function applySnapshotDoc(catalog: Catalog, doc: Document): void {
  if (doc.t === 'catalog') {
    for (const entry of doc.collections as Array<{ ns: string; options: Document; indexes: Document[] }>) {
      const coll = collection(catalog, entry.ns, entry.options);
      for (const spec of entry.indexes) coll.registerIndexSpec(spec);
    }
  } else if (doc.t === 'docs') {
    const coll = collection(catalog, String(doc.ns));
    for (const d of doc.docs as Document[]) coll.restorePut(d);
  } else {
    throw new Error(`unknown snapshot document type ${String(doc.t)}`);
  }
}

/** Applies one journal op. */
export function applyJournalOp(catalog: Catalog, op: JournalOp): void {
  switch (op.op) {
    case 'put': {
      const coll = collection(catalog, op.ns);
      for (const d of op.docs) coll.restorePut(d);
      return;
    }
    case 'del': {
      const coll = collection(catalog, op.ns);
      for (const id of op.ids) coll.restoreDelete(id);
      return;
    }
    case 'createCollection':
      collection(catalog, op.ns, op.options);
      return;
    case 'dropCollection': {
      const { db, coll } = splitNs(op.ns);
      catalog.drop(db, coll);
      return;
    }
    case 'dropDatabase':
      catalog.dropDatabase(op.db);
      return;
    case 'createIndexes': {
      const coll = collection(catalog, op.ns);
      for (const spec of op.specs) coll.registerIndexSpec(spec);
      return;
    }
    case 'dropIndexes': {
      const coll = collection(catalog, op.ns);
      for (const name of op.names) coll.dropIndex(name);
      return;
    }
    case 'rename': {
      const from = splitNs(op.from);
      const to = splitNs(op.to);
      const source = catalog.get(from.db, from.coll);
      if (source) catalog.rename(source, to.db, to.coll, true);
      return;
    }
    case 'collMod':
      collection(catalog, op.ns).setOptions(op.options);
      return;
    default:
      throw new Error(`unknown journal op ${JSON.stringify((op as { op?: unknown }).op)}`);
  }
}

/** Rebuilds every index; throws a clear error naming the corrupt collection on a unique violation. */
export function rebuildAllIndexes(catalog: Catalog, dataDir: string): void {
  for (const coll of catalog.allCollections()) {
    try {
      coll.rebuildIndexes();
    } catch (err) {
      const detail = err instanceof EngineError ? err.message : String(err);
      throw new Error(
        `embedded-mongo: data directory ${dataDir} is corrupt: rebuilding the indexes of ${coll.ns} failed (${detail}). ` +
          'Refusing to start; restore the directory from a backup or repair it by hand.',
      );
    }
  }
}
