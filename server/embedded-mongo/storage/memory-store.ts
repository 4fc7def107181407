import type { Document } from 'bson';
import type { DurableStoreHandle, DurableStoreStats } from './store-options';

/**
 * The `memory` mode: nothing touches the disk, so there is nothing to recover and nothing to compact.
 * Payloads are not even encoded: tests that do not test durability should not pay for it.
 * `journalBytes` stays 0 so the engine never decides to compact.
 */
export class MemoryDurableStore implements DurableStoreHandle {
  private appends = 0;
  private closed = false;

  recover(): AsyncGenerator<{ kind: 'snapshot' | 'journal'; doc: Document }> {
    return nothingToRecover();
  }

  append(_payload: Document): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the durable store is closed'));
    this.appends++;
    return Promise.resolve();
  }

  journalBytes(): number {
    return 0;
  }

  compact(_snapshotDocs: () => Iterable<Document>): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the durable store is closed'));
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  stats(): DurableStoreStats {
    const seq = this.appends;
    return {
      appends: seq,
      writes: 0,
      syncs: 0,
      bytesWritten: 0,
      compactions: 0,
      snapshotSeq: 0,
      lastSeq: seq,
    };
  }
}

async function* nothingToRecover(): AsyncGenerator<{ kind: 'snapshot' | 'journal'; doc: Document }> {
  // Nothing was ever written: the generator ends at once (the await keeps the linter's async rules happy).
  await Promise.resolve();
  yield* [];
}
