import type { Document } from 'bson';
import { closeSegment, createSegment, type JournalSegment } from './journal-segment';
import { encodeRecord, type EncodedRecord } from './record-format';

/** Counters for tests and monitoring. */
export interface JournalStats {
  /** Records appended. */
  appends: number;
  /** write(2) calls: concurrent appends are coalesced into one. */
  writes: number;
  /** fdatasync calls: with group commit, far fewer than appends under concurrency. */
  syncs: number;
  bytesWritten: number;
}

export interface JournalWriterOptions {
  dir: string;
  mode: 'journaled' | 'relaxed';
  /** The segment appends continue in (recovered, or freshly created). */
  active: JournalSegment;
  /** Highest sequence already on disk; the next append gets lastSeq + 1. */
  lastSeq: number;
  /** Longest wait between a relaxed write and its fdatasync (mongod's default commit interval). */
  relaxedSyncDelayMs: number;
  /** Test hook awaited before each group's fdatasync, e.g. to hold a sync in flight. */
  beforeDatasync?: () => Promise<void>;
  /** Test hook told, after each fdatasync, which file it covered up to which byte. */
  afterDatasync?: (file: string, coveredBytes: number) => void;
}

interface Pending {
  seq: number;
  record: EncodedRecord;
  segment: JournalSegment;
}

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Appends records to the active segment with group commit. Writing and syncing are two loops: the write
 * loop takes everything queued and writes it in one call; the sync loop fdatasyncs whatever has been
 * written. While one fdatasync is in flight, new records keep being written, and all of them wait for
 * the next fdatasync together: N concurrent appends cost about two syncs, not N.
 */
export class JournalWriter {
  readonly stats: JournalStats = { appends: 0, writes: 0, syncs: 0, bytesWritten: 0 };
  private active: JournalSegment;
  private lastSeq: number;
  private writtenSeq: number;
  private syncedSeq: number;
  private queue: Pending[] = [];
  /** Acknowledgements of appends, in sequence order: settled after the write or the sync, per mode. */
  private waiters: Waiter[] = [];
  /** Callers that need records fdatasynced whatever the mode (close, compaction), in sequence order. */
  private syncWaiters: Waiter[] = [];
  /** Segments written since their last fdatasync. */
  private dirty = new Set<JournalSegment>();
  // Booleans rather than promises: a loop that ends synchronously must not leave a stale "running" mark.
  private isWriting = false;
  private isSyncing = false;
  private relaxedTimer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;
  private bytesSinceRotation = 0;

  constructor(private readonly options: JournalWriterOptions) {
    this.active = options.active;
    this.lastSeq = options.lastSeq;
    this.writtenSeq = options.lastSeq;
    this.syncedSeq = options.lastSeq;
  }

  /** Highest sequence handed out so far. */
  get currentSeq(): number {
    return this.lastSeq;
  }

  /** Bytes appended since the last rotation (or since opening, plus what recovery found). */
  get journalBytes(): number {
    return this.bytesSinceRotation;
  }

  set journalBytes(bytes: number) {
    this.bytesSinceRotation = bytes;
  }

  /** Queues one record; resolves when durable per the mode. Encoding errors reject without using a seq. */
  append(payload: Document): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const seq = this.lastSeq + 1;
    const record = encodeRecord(payload, seq);
    this.lastSeq = seq;
    this.active.lastSeq = seq;
    this.queue.push({ seq, record, segment: this.active });
    this.bytesSinceRotation += record.byteLength;
    this.stats.appends++;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
    if (!this.isWriting) {
      this.isWriting = true;
      void this.writeLoop();
    }
    return done;
  }

  /**
   * Switches appends to a new segment, synchronously. Returns the sequence every earlier record carries
   * at most, the segment that was active (undefined when it held nothing, so no rotation happened) and
   * the one appends now go to.
   */
  rotate(): { seq: number; sealed: JournalSegment | undefined; active: JournalSegment } {
    this.bytesSinceRotation = 0;
    // An empty active segment already starts at lastSeq + 1: it serves as the new one.
    if (this.active.lastSeq < this.active.firstSeq)
      return { seq: this.lastSeq, sealed: undefined, active: this.active };
    const sealed = this.active;
    this.active = createSegment(this.options.dir, this.lastSeq + 1);
    return { seq: this.lastSeq, sealed, active: this.active };
  }

  /** Resolves once every record up to `seq` is written and fdatasynced; rejects if the journal failed. */
  async waitSynced(seq: number): Promise<void> {
    if (this.syncedSeq >= seq) return;
    if (this.failure) throw this.failure;
    await new Promise<void>((resolve, reject) => {
      const at = this.syncWaiters.findIndex((w) => w.seq > seq);
      this.syncWaiters.splice(at < 0 ? this.syncWaiters.length : at, 0, { seq, resolve, reject });
      // Records not yet written are synced when the write loop finishes them (it sees syncWaiters).
      this.kickSync();
    });
  }

  /** Writes and fdatasyncs everything queued, then closes every segment file. */
  async close(sealed: JournalSegment[]): Promise<void> {
    try {
      await this.waitSynced(this.lastSeq);
    } finally {
      clearTimeout(this.relaxedTimer);
      for (const segment of [...sealed, this.active]) await closeSegment(segment);
    }
  }

  private async writeLoop(): Promise<void> {
    try {
      // Let the appends made in this same tick (a burst from one batch or many callers) join the first write.
      await Promise.resolve();
      while (this.queue.length > 0 && !this.failure) {
        const batch = this.queue;
        this.queue = [];
        // Consecutive records of one segment go out in one write; a rotation splits the batch.
        let from = 0;
        while (from < batch.length) {
          const segment = batch[from]!.segment;
          let to = from;
          while (to < batch.length && batch[to]!.segment === segment) to++;
          await this.writeRecords(segment, batch.slice(from, to));
          from = to;
        }
        this.writtenSeq = batch[batch.length - 1]!.seq;
        if (this.options.mode === 'relaxed') settle(this.waiters, this.writtenSeq);
        if (this.options.mode === 'journaled' || this.syncWaiters.length > 0) this.kickSync();
        else
          this.relaxedTimer ??= setTimeout(
            () => this.onRelaxedTimer(),
            this.options.relaxedSyncDelayMs,
          ).unref();
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.isWriting = false;
    }
  }

  private async writeRecords(segment: JournalSegment, records: Pending[]): Promise<void> {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (const { record } of records) {
      parts.push(record.header, record.payload);
      total += record.byteLength;
    }
    const handle = await segment.handle;
    const { bytesWritten } = await handle.write(Buffer.concat(parts, total), 0, total, segment.size);
    // A short write leaves a partial record on disk: nothing may be appended after it (recovery cuts it).
    if (bytesWritten !== total) throw new Error(`short journal write: ${bytesWritten} of ${total} bytes`);
    segment.size += total;
    this.dirty.add(segment);
    this.stats.writes++;
    this.stats.bytesWritten += total;
  }

  private onRelaxedTimer(): void {
    // Forget the fired timer first, so that the next write always arms a new one.
    this.relaxedTimer = undefined;
    this.kickSync();
  }

  private kickSync(): void {
    if (this.isSyncing) return;
    this.isSyncing = true;
    void this.syncLoop();
  }

  private async syncLoop(): Promise<void> {
    try {
      // The loop re-checks after each sync: whatever was written meanwhile is the next group.
      while (this.writtenSeq > this.syncedSeq && !this.failure) {
        clearTimeout(this.relaxedTimer);
        this.relaxedTimer = undefined;
        const target = this.writtenSeq;
        const segments = [...this.dirty];
        this.dirty.clear();
        await this.options.beforeDatasync?.();
        // Older segments first: a record is never durable before the ones it follows.
        for (const segment of segments) {
          const covered = segment.size; // bytes whose write completed before this fdatasync began
          await (await segment.handle).datasync();
          this.stats.syncs++;
          this.options.afterDatasync?.(segment.path, covered);
        }
        this.syncedSeq = target;
        settle(this.waiters, target);
        settle(this.syncWaiters, target);
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.isSyncing = false;
    }
  }

  private fail(error: unknown): void {
    const cause = error instanceof Error ? error : new Error(String(error));
    // After a failed write or fdatasync the kernel may have dropped the dirty pages: retrying could
    // acknowledge data that is not on disk, so the journal refuses everything until a restart recovers.
    this.failure ??= new Error(`journal failed, restart required: ${cause.message}`, { cause });
    for (const waiter of [...this.waiters.splice(0), ...this.syncWaiters.splice(0)])
      waiter.reject(this.failure);
    this.queue = [];
  }
}

/** Resolves the waiters (sorted by seq) whose record is covered by `seq`. */
function settle(waiters: Waiter[], seq: number): void {
  let count = 0;
  while (count < waiters.length && waiters[count]!.seq <= seq) count++;
  for (const waiter of waiters.splice(0, count)) waiter.resolve();
}
