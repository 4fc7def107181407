import type { Document } from 'bson';

/**
 * How acknowledged writes are made durable.
 * - `journaled`: `append` resolves only after an fdatasync covering the record (group commit).
 * - `relaxed`: `append` resolves after the write; an fdatasync follows within 100 ms (mongod's default).
 * - `memory`: nothing touches the disk (tests that do not test durability).
 */
export type DurabilityMode = 'journaled' | 'relaxed' | 'memory';

/**
 * A durable log of opaque BSON payloads plus snapshots. The store does not interpret payloads: the engine
 * decides what a journal record and a snapshot document mean (post-images, deleted ids, catalog changes).
 */
export interface DurableStore {
  /**
   * Recovery, called once after opening: yields the newest valid snapshot's documents (kind 'snapshot'),
   * then every journal record written after that snapshot, in order (kind 'journal'). A torn or corrupt
   * tail is truncated before yielding stops.
   */
  recover(): AsyncGenerator<{ kind: 'snapshot' | 'journal'; doc: Document }>;
  /** Appends one record; resolves when it is durable according to the mode. Records are never reordered. */
  append(payload: Document): Promise<void>;
  /** Bytes in the journal since the newest snapshot (the engine calls `compact` past a threshold). */
  journalBytes(): number;
  /**
   * Writes a snapshot of the state as of now: `snapshotDocs` is called synchronously (so the state it reads
   * is consistent with the journal position) and may be iterated lazily afterwards, so the engine must not
   * mutate the documents it yields (updates replace documents, never change them in place). Writes to a
   * temporary file, fsyncs, renames, fsyncs the directory, starts a new journal segment, deletes old ones.
   */
  compact(snapshotDocs: () => Iterable<Document>): Promise<void>;
  /** Flushes pending syncs, releases the lock file. */
  close(): Promise<void>;
}

export interface DurableStoreOptions {
  /** Data directory; created when missing. Ignored in `memory` mode. */
  dir: string;
  mode: DurabilityMode;
}
