/**
 * The bridge between the engine and the durable store: recovery at start, one journal append per write
 * command (split when large), and compaction once the journal passes a size.
 */
import { calculateObjectSize, type Document } from 'bson';
import type { Catalog } from '../catalog/catalog';
import { openDurableStore, type DurabilityMode, type DurableStoreHandle } from '../storage/index';
import { applyJournalOp, applySnapshotDoc, rebuildAllIndexes } from './recovery';
import { MAX_RECORD_BYTES, SNAPSHOT_BATCH, type JournalOp, type JournalRecord } from './journal-format';

export interface PersistenceLogger {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/** Journal size past which the engine writes a snapshot and starts a new journal. */
export const DEFAULT_COMPACT_THRESHOLD = 64 * 1024 * 1024;

/** Splits ops into records of at most MAX_RECORD_BYTES (a put or del op is cut between documents). */
function toRecords(ops: JournalOp[]): JournalRecord[] {
  const records: JournalRecord[] = [];
  let current: JournalOp[] = [];
  let bytes = 0;
  const flush = (): void => {
    if (current.length > 0) records.push({ v: 1, ops: current });
    current = [];
    bytes = 0;
  };
  for (const op of ops) {
    if (op.op !== 'put') {
      const size = op.op === 'del' ? op.ids.length * 64 : calculateObjectSize(op);
      if (bytes + size > MAX_RECORD_BYTES) flush();
      current.push(op);
      bytes += size;
      continue;
    }
    let part: Document[] = [];
    for (const doc of op.docs) {
      const size = calculateObjectSize(doc) + 16;
      if (bytes + size > MAX_RECORD_BYTES && (part.length > 0 || current.length > 0)) {
        if (part.length > 0) current.push({ op: 'put', ns: op.ns, docs: part });
        part = [];
        flush();
      }
      part.push(doc);
      bytes += size;
    }
    if (part.length > 0) current.push({ op: 'put', ns: op.ns, docs: part });
  }
  flush();
  return records;
}

export class Persistence {
  private compacting: Promise<void> | undefined;

  private constructor(
    private readonly store: DurableStoreHandle,
    private readonly catalog: Catalog,
    private readonly logger: PersistenceLogger,
    private readonly compactThreshold: number,
  ) {}

  /** Opens the store in `dir` and rebuilds `catalog` from it (the catalog's log is disabled meanwhile). */
  static async open(opts: {
    dir: string;
    mode: Exclude<DurabilityMode, 'memory'>;
    catalog: Catalog;
    logger: PersistenceLogger;
    compactThreshold?: number;
  }): Promise<Persistence> {
    const store = await openDurableStore({
      dir: opts.dir,
      mode: opts.mode,
      onWarning: (m) => opts.logger.warn(`embedded-mongo: ${m}`),
    });
    const persistence = new Persistence(
      store,
      opts.catalog,
      opts.logger,
      opts.compactThreshold ?? DEFAULT_COMPACT_THRESHOLD,
    );
    try {
      await persistence.recover(opts.dir);
    } catch (err) {
      await store.close().catch(() => undefined);
      throw err;
    }
    return persistence;
  }

  private async recover(dir: string): Promise<void> {
    const log = this.catalog.log;
    log.enabled = false;
    let records = 0;
    try {
      for await (const item of this.store.recover()) {
        if (item.kind === 'snapshot') applySnapshotDoc(this.catalog, item.doc);
        else {
          for (const op of (item.doc as JournalRecord).ops) applyJournalOp(this.catalog, op);
          records += 1;
        }
      }
      rebuildAllIndexes(this.catalog, dir);
    } finally {
      log.enabled = true;
    }
    const docs = this.catalog.allCollections().reduce((n, c) => n + c.docs.size, 0);
    this.logger.info(
      `embedded-mongo: recovered ${docs} documents (${records} journal records replayed) from ${dir}`,
    );
  }

  /**
   * Appends the ops of one command. Must be called synchronously right after the command ran, so that
   * journal order is execution order. Resolves when the records are durable (per the mode).
   */
  append(ops: JournalOp[]): Promise<void> {
    const pending = toRecords(ops).map((r) => this.store.append(r as unknown as Document));
    this.maybeCompact();
    return Promise.all(pending).then(() => undefined);
  }

  private maybeCompact(): void {
    if (this.compacting || this.store.journalBytes() < this.compactThreshold) return;
    this.compacting = this.store
      .compact(() => this.snapshotDocs())
      .catch((err: unknown) => this.logger.error('embedded-mongo: compaction failed', err))
      .finally(() => {
        this.compacting = undefined;
      });
  }

  /** Captures the state now (references only: stored documents are immutable) and yields it lazily. */
  private snapshotDocs(): Iterable<Document> {
    const colls = this.catalog.allCollections().map((c) => ({
      ns: c.ns,
      options: c.options,
      indexes: [...c.indexes.values()].map((i) => i.spec),
      docs: [...c.docs.values()],
    }));
    return (function* () {
      yield {
        t: 'catalog',
        v: 1,
        collections: colls.map(({ ns, options, indexes }) => ({ ns, options, indexes })),
      };
      for (const c of colls) {
        for (let i = 0; i < c.docs.length; i += SNAPSHOT_BATCH)
          yield { t: 'docs', ns: c.ns, docs: c.docs.slice(i, i + SNAPSHOT_BATCH) };
      }
    })();
  }

  async close(): Promise<void> {
    await this.compacting;
    await this.store.close();
  }
}
