import { open, unlink } from 'node:fs/promises';
import type { Document } from 'bson';
import type { DirLock } from './dir-lock';
import { joinData, snapshotTempFileName } from './data-files';
import { closeSegment, type JournalSegment } from './journal-segment';
import { JournalWriter } from './journal-writer';
import { removeSuperseded, type OpenedDataDir } from './open-data-dir';
import { decodePayload } from './record-format';
import { readRecords, type ReadStop } from './record-reader';
import { readSnapshotDocs, writeSnapshotFile } from './snapshot-file';
import type { DurableStoreHandle, DurableStoreStats, OpenDurableStoreOptions } from './store-options';

/** The on-disk store: one data directory, one writer, compactions one at a time. */
export class FileDurableStore implements DurableStoreHandle {
  private readonly writer: JournalWriter;
  private readonly lock: DirLock;
  private recovery: OpenedDataDir | undefined;
  /** Segments no longer appended to, kept until a snapshot makes them unnecessary. */
  private sealed: JournalSegment[] = [];
  private snapshotSeq: number;
  private compactions = 0;
  private compacting: Promise<void> = Promise.resolve();
  /** Compactions started or queued and not yet finished. */
  private compactionsInFlight = 0;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly options: OpenDurableStoreOptions & { mode: 'journaled' | 'relaxed' },
    opened: OpenedDataDir,
  ) {
    this.lock = opened.lock;
    this.recovery = opened;
    this.snapshotSeq = opened.snapshot?.seq ?? 0;
    this.writer = new JournalWriter({
      dir: options.dir,
      mode: options.mode,
      active: opened.journal.active,
      lastSeq: opened.journal.lastSeq,
      relaxedSyncDelayMs: options.relaxedSyncDelayMs ?? 100,
      beforeDatasync: options.hooks?.beforeDatasync,
      afterDatasync: options.hooks?.afterDatasync,
    });
    this.writer.journalBytes = opened.journal.replayBytes;
  }

  /**
   * Yields the snapshot's documents, then the journal records after it, as validated when the store was
   * opened (appends made since go after the ranges read here, so recovering and appending may overlap).
   */
  async *recover(): AsyncGenerator<{ kind: 'snapshot' | 'journal'; doc: Document }> {
    const recovery = this.recovery;
    if (!recovery) throw new Error('recover() may be called only once per open store');
    this.recovery = undefined;
    if (recovery.snapshot) {
      for await (const doc of readSnapshotDocs(recovery.snapshot.path)) yield { kind: 'snapshot', doc };
    }
    for (const range of recovery.journal.replay) {
      const handle = await open(range.path, 'r');
      try {
        const stop: ReadStop = { reason: 'end', offset: range.start };
        // CRCs were checked when opening, under the lock; nothing else writes these bytes.
        for await (const record of readRecords(handle, stop, {
          start: range.start,
          end: range.end,
          verify: false,
        })) {
          yield { kind: 'journal', doc: decodePayload(record.payload) };
        }
        if (stop.reason !== 'end') throw new Error(`journal ${range.path} changed after it was validated`);
      } finally {
        await handle.close();
      }
    }
  }

  append(payload: Document): Promise<void> {
    if (this.closing) return Promise.reject(new Error('the durable store is closed'));
    try {
      return this.writer.append(payload);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  journalBytes(): number {
    return this.writer.journalBytes;
  }

  compact(snapshotDocs: () => Iterable<Document>): Promise<void> {
    if (this.closing) return Promise.reject(new Error('the durable store is closed'));
    // Idle: start now, so `snapshotDocs` runs synchronously within this call, as the contract says.
    // Busy: queue; the next compaction still captures its state and journal position in one tick.
    const run =
      this.compactionsInFlight > 0
        ? this.compacting.then(() => this.runCompaction(snapshotDocs))
        : this.runCompaction(snapshotDocs);
    this.compactionsInFlight++;
    this.compacting = run.catch(() => undefined).finally(() => this.compactionsInFlight--);
    return run;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.compacting;
        await this.writer.close(this.sealed);
      } finally {
        await this.lock.release();
      }
    })();
    return this.closing;
  }

  stats(): DurableStoreStats {
    return {
      ...this.writer.stats,
      compactions: this.compactions,
      snapshotSeq: this.snapshotSeq,
      lastSeq: this.writer.currentSeq,
    };
  }

  private async runCompaction(snapshotDocs: () => Iterable<Document>): Promise<void> {
    const { dir } = this.options;
    const onStep = this.options.hooks?.onCompactionStep;
    // Synchronous from here to the rotation: the documents describe exactly the records up to `seq`.
    const docs = snapshotDocs();
    const { seq, sealed, active } = this.writer.rotate();
    if (sealed) this.sealed.push(sealed);
    await onStep?.('rotated');
    // The new segment's directory entry must be durable before a snapshot can supersede the old ones.
    await active.handle;
    await writeSnapshotFile({ dir, seq, docs, onStep }).catch(async (error: unknown) => {
      // A failed snapshot (disk full, a throwing iterator) leaves the journal intact: only tidy up.
      await unlink(joinData(dir, snapshotTempFileName(seq))).catch(() => undefined);
      throw error;
    });
    this.snapshotSeq = seq;
    this.compactions++;
    // Records up to `seq` may still be on their way to the old segment; their appends wait for that sync.
    await this.writer.waitSynced(seq);
    const retired = this.sealed;
    this.sealed = [];
    for (const segment of retired) await closeSegment(segment);
    await removeSuperseded(dir, seq, this.options.keepPreviousSnapshot ?? false, onStep);
    await onStep?.('done');
  }
}
