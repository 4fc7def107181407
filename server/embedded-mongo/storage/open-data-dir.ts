import { mkdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { acquireDirLock, type DirLock } from './dir-lock';
import { fsyncDir, isErrno, joinData, listDataDir, type DataDirListing } from './data-files';
import { scanJournal, type JournalScan } from './journal-scan';
import { SnapshotCorruptError, verifySnapshotFile } from './snapshot-file';

/** Everything recovery established when the data directory was opened. */
export interface OpenedDataDir {
  lock: DirLock;
  /** The newest valid snapshot, if any. */
  snapshot: { path: string; seq: number; count: number } | undefined;
  journal: JournalScan;
}

/**
 * Opens a data directory for writing: takes the lock, picks the newest snapshot that verifies (renaming a
 * corrupt one to `*.corrupt`), validates the journal after it and truncates a torn tail, then deletes what
 * a crash during compaction may have left (temporary files, snapshots and segments the newest snapshot
 * supersedes). On any error the lock is released again.
 */
export async function openDataDir(
  dir: string,
  options: { keepPreviousSnapshot: boolean; warn: (message: string) => void },
): Promise<OpenedDataDir> {
  const created = await mkdir(dir, { recursive: true });
  // A directory created just now must itself survive a power loss: its entry lives in the parent.
  if (created !== undefined) await fsyncDir(path.dirname(path.resolve(dir)));
  const lock = await acquireDirLock(dir);
  try {
    const listing = await listDataDir(dir);
    const snapshot = await chooseSnapshot(dir, listing, options.warn);
    const journal = await scanJournal(dir, listing.journals, snapshot?.seq ?? 0, options.warn);
    await removeSuperseded(dir, snapshot?.seq ?? 0, options.keepPreviousSnapshot);
    return { lock, snapshot, journal };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

async function chooseSnapshot(
  dir: string,
  listing: DataDirListing,
  warn: (message: string) => void,
): Promise<OpenedDataDir['snapshot']> {
  const corrupt: string[] = [];
  for (const { name } of [...listing.snapshots].reverse()) {
    const filePath = joinData(dir, name);
    try {
      const { seq, count } = await verifySnapshotFile(filePath);
      return { path: filePath, seq, count };
    } catch (error) {
      if (!(error instanceof SnapshotCorruptError)) throw error;
      warn(`${error.message}; falling back to an older snapshot if one is kept`);
      corrupt.push(name);
      // Out of the way (and kept for inspection): the next compaction may reuse its name.
      await rename(filePath, `${filePath}.corrupt`);
    }
  }
  // With every snapshot corrupt, a journal that still starts at sequence 1 rebuilds everything.
  if (corrupt.length > 0 && listing.journals[0]?.firstSeq !== 1) {
    throw new Error(
      `data directory ${dir}: snapshot ${corrupt.join(', ')} is corrupt and no older valid snapshot is kept; ` +
        `the data cannot be recovered from this directory (renamed to *.corrupt for inspection)`,
    );
  }
  return undefined;
}

/**
 * Deletes leftovers and superseded files, oldest first, so that a crash in the middle of it leaves a
 * directory recovery accepts. Retention: the newest snapshot, plus the one before it when asked.
 */
export async function removeSuperseded(
  dir: string,
  newestSeq: number,
  keepPrevious: boolean,
  onStep?: (step: 'old-segment-deleted') => void | Promise<void>,
): Promise<void> {
  const listing = await listDataDir(dir);
  const older = listing.snapshots.filter((s) => s.seq < newestSeq);
  const kept = keepPrevious ? older[older.length - 1] : undefined;
  // The journal must still reach back to the oldest snapshot kept.
  const replayFrom = kept ? kept.seq : newestSeq;
  const segments = listing.journals.filter((_, i) => {
    const next = listing.journals[i + 1];
    return next !== undefined && next.firstSeq - 1 <= replayFrom;
  });
  const snapshots = older.filter((s) => s !== kept);
  if (listing.temps.length + segments.length + snapshots.length === 0) return;
  for (const name of listing.temps) await unlinkIfPresent(joinData(dir, name));
  for (const { name } of segments) {
    await unlinkIfPresent(joinData(dir, name));
    await onStep?.('old-segment-deleted');
  }
  for (const { name } of snapshots) await unlinkIfPresent(joinData(dir, name));
  await fsyncDir(dir);
}

async function unlinkIfPresent(filePath: string): Promise<void> {
  await unlink(filePath).catch((error: unknown) => {
    if (!isErrno(error, 'ENOENT')) throw error;
  });
}
