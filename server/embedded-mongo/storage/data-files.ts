import { open, readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Names of the files in a data directory. Sequence numbers are zero-padded so that a plain listing sorts
 * in log order, and a name alone says where a file belongs:
 * - `journal-<firstSeq>.wal`: an append-only segment whose first record (if any) carries `firstSeq`;
 * - `snapshot-<seq>.bson`: the state after every record up to and including `seq`;
 * - `*.tmp`: a snapshot being written; a leftover one is a crash during compaction and is deleted.
 */
export const LOCK_FILE = 'store.lock';
const SEQ_DIGITS = 16;
const JOURNAL_RE = /^journal-(\d{16})\.wal$/;
const SNAPSHOT_RE = /^snapshot-(\d{16})\.bson$/;

export function journalFileName(firstSeq: number): string {
  return `journal-${String(firstSeq).padStart(SEQ_DIGITS, '0')}.wal`;
}

export function snapshotFileName(seq: number): string {
  return `snapshot-${String(seq).padStart(SEQ_DIGITS, '0')}.bson`;
}

export function snapshotTempFileName(seq: number): string {
  return `${snapshotFileName(seq)}.tmp`;
}

/** What a data directory holds, each list in ascending sequence order. */
export interface DataDirListing {
  journals: { name: string; firstSeq: number }[];
  snapshots: { name: string; seq: number }[];
  temps: string[];
}

export async function listDataDir(dir: string): Promise<DataDirListing> {
  const listing: DataDirListing = { journals: [], snapshots: [], temps: [] };
  for (const name of await readdir(dir)) {
    const journal = JOURNAL_RE.exec(name);
    const snapshot = SNAPSHOT_RE.exec(name);
    if (journal?.[1]) listing.journals.push({ name, firstSeq: Number(journal[1]) });
    else if (snapshot?.[1]) listing.snapshots.push({ name, seq: Number(snapshot[1]) });
    else if (name.endsWith('.tmp')) listing.temps.push(name);
  }
  listing.journals.sort((a, b) => a.firstSeq - b.firstSeq);
  listing.snapshots.sort((a, b) => a.seq - b.seq);
  return listing;
}

/**
 * Makes the directory's entries (created, renamed, deleted files) durable. Without it a renamed snapshot
 * or a new journal segment can vanish on power loss even though its contents were synced.
 */
export async function fsyncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
  } catch (error) {
    // Windows cannot open a directory; its file system orders metadata itself, so there is nothing to do.
    if (isErrno(error, 'EISDIR') || isErrno(error, 'EPERM')) return;
    throw error;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function joinData(dir: string, name: string): string {
  return path.join(dir, name);
}

/** True when `error` is a Node system error with this code. */
export function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
