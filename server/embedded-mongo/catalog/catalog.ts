/**
 * Databases and their collections. Catalog changes are recorded in the ChangeLog as they happen, so a
 * command that implicitly creates a collection journals the creation before its documents.
 */
import type { Document } from 'bson';
import { EngineError, ErrorCodes } from '../errors';
import type { ChangeLog } from '../persistence/journal-format';
import { Collection } from './collection';
import { validateCollectionName, validateDbName } from './namespaces';

export class Catalog {
  private readonly dbs = new Map<string, Map<string, Collection>>();

  constructor(readonly log: ChangeLog) {}

  databaseNames(): string[] {
    return [...this.dbs.keys()];
  }

  collections(db: string): Collection[] {
    return [...(this.dbs.get(db)?.values() ?? [])];
  }

  allCollections(): Collection[] {
    return [...this.dbs.values()].flatMap((m) => [...m.values()]);
  }

  get(db: string, name: string): Collection | undefined {
    return this.dbs.get(db)?.get(name);
  }

  /** The collection, or NamespaceNotFound (26) as mongod answers for listIndexes and friends. */
  getOrThrow(db: string, name: string): Collection {
    const coll = this.get(db, name);
    if (!coll)
      throw new EngineError(
        ErrorCodes.NamespaceNotFound,
        'NamespaceNotFound',
        `ns does not exist: ${db}.${name}`,
      );
    return coll;
  }

  /** Explicit creation; NamespaceExists (48) when present (mongoose expects and ignores it). */
  create(db: string, name: string, options: Document = {}): Collection {
    validateCollectionName(db, name);
    if (this.get(db, name)) {
      throw new EngineError(
        ErrorCodes.NamespaceExists,
        'NamespaceExists',
        `Collection ${db}.${name} already exists.`,
      );
    }
    const coll = new Collection(db, name, options, this.log);
    this.attach(coll);
    this.log.catalog({ op: 'createCollection', ns: coll.ns, options });
    return coll;
  }

  /** The collection, created implicitly (as an insert or createIndexes does) when missing. */
  ensure(db: string, name: string): { coll: Collection; created: boolean } {
    const existing = this.get(db, name);
    if (existing) return { coll: existing, created: false };
    return { coll: this.create(db, name), created: true };
  }

  private attach(coll: Collection): void {
    let colls = this.dbs.get(coll.db);
    if (!colls) {
      colls = new Map();
      this.dbs.set(coll.db, colls);
    }
    colls.set(coll.name, coll);
  }

  drop(db: string, name: string): Collection | undefined {
    const colls = this.dbs.get(db);
    const coll = colls?.get(name);
    if (!colls || !coll) return undefined;
    colls.delete(name);
    if (colls.size === 0) this.dbs.delete(db);
    this.log.catalog({ op: 'dropCollection', ns: coll.ns });
    return coll;
  }

  dropDatabase(db: string): void {
    validateDbName(db);
    if (!this.dbs.delete(db)) return;
    this.log.catalog({ op: 'dropDatabase', db });
  }

  /** Moves a collection (with its documents and indexes) to a new namespace. */
  rename(from: Collection, toDb: string, toName: string, dropTarget: boolean): Collection {
    validateCollectionName(toDb, toName);
    if (this.get(toDb, toName)) {
      if (!dropTarget)
        throw new EngineError(ErrorCodes.NamespaceExists, 'NamespaceExists', 'target namespace exists');
      this.drop(toDb, toName);
    }
    const fromNs = from.ns;
    const colls = this.dbs.get(from.db);
    colls?.delete(from.name);
    if (colls?.size === 0) this.dbs.delete(from.db);
    const moved = new Collection(toDb, toName, from.options, this.log);
    moved.indexes.clear();
    for (const [name, index] of from.indexes) moved.indexes.set(name, index);
    for (const [key, doc] of from.docs) moved.docs.set(key, doc);
    this.attach(moved);
    this.log.catalog({ op: 'rename', from: fromNs, to: moved.ns });
    return moved;
  }

  /** Recovery: attaches a collection without journaling. */
  restoreCollection(db: string, name: string, options: Document): Collection {
    const existing = this.get(db, name);
    if (existing) return existing;
    const coll = new Collection(db, name, options, this.log);
    this.attach(coll);
    return coll;
  }
}
