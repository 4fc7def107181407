import type { DurableStore, DurableStoreOptions } from './durable-store.types';
import type { SnapshotWriteStep } from './snapshot-file';

/** Named points of a compaction, reported so tests can crash the process exactly there. */
export type CompactionStep = 'rotated' | SnapshotWriteStep | 'old-segment-deleted' | 'done';

/**
 * Options of `openDurableStore`: the committed `DurableStoreOptions` plus optional knobs that do not change
 * its meaning. Every one of them has a default suited to production.
 */
export interface OpenDurableStoreOptions extends DurableStoreOptions {
  /**
   * Keep the previous snapshot and the journal needed to replay from it, so a newest snapshot found
   * corrupt (media damage) can fall back to it. Costs about one more snapshot of disk. Default false.
   */
  keepPreviousSnapshot?: boolean;
  /** Longest delay between a relaxed-mode write and its fdatasync. Default 100 ms (mongod's default). */
  relaxedSyncDelayMs?: number;
  /** Told about recovery events worth logging (torn tail truncated, corrupt snapshot skipped). */
  onWarning?: (message: string) => void;
  /** Test hooks: hold a sync in flight, see what each sync covered, crash at a point of a compaction. */
  hooks?: {
    beforeDatasync?: () => Promise<void>;
    /**
     * Told after each journal fdatasync which file it made durable up to which byte: a test can then
     * simulate a power cut by keeping only those bytes.
     */
    afterDatasync?: (file: string, coveredBytes: number) => void;
    onCompactionStep?: (step: CompactionStep) => void | Promise<void>;
  };
}

/** Counters of the journal, for tests (group commit) and monitoring. */
export interface DurableStoreStats {
  appends: number;
  /** write calls: concurrent appends share one. */
  writes: number;
  /** fdatasync calls: concurrent appends share one (group commit). */
  syncs: number;
  bytesWritten: number;
  compactions: number;
  /** Sequence of the newest snapshot (0 before the first). */
  snapshotSeq: number;
  /** Highest sequence appended. */
  lastSeq: number;
}

/** What `openDurableStore` returns: the committed interface plus counters. */
export interface DurableStoreHandle extends DurableStore {
  stats(): DurableStoreStats;
}
