import { open, type FileHandle } from 'node:fs/promises';
import { fsyncDir, joinData, journalFileName } from './data-files';

/**
 * One append-only journal file. `handle` is a promise so that a rotation can switch appends to a new
 * segment synchronously (the engine's state and the journal position must be captured in the same tick)
 * while the file is still being created.
 */
export interface JournalSegment {
  readonly name: string;
  readonly path: string;
  /** Sequence of the first record this segment holds or will hold. */
  readonly firstSeq: number;
  readonly handle: Promise<FileHandle>;
  /** Bytes written so far: the position of the next write. */
  size: number;
  /** Highest sequence queued for this segment (firstSeq - 1 while it has none). */
  lastSeq: number;
}

/** Wraps a segment file that recovery opened (and truncated) and appends now continue in. */
export function existingSegment(
  dir: string,
  firstSeq: number,
  handle: FileHandle,
  size: number,
  lastSeq: number,
): JournalSegment {
  const name = journalFileName(firstSeq);
  return { name, path: joinData(dir, name), firstSeq, handle: Promise.resolve(handle), size, lastSeq };
}

/**
 * Starts creating a new, empty segment. The directory is fsynced before the handle is handed out, so a
 * record synced into the file can never be lost with a directory entry that was not.
 */
export function createSegment(dir: string, firstSeq: number): JournalSegment {
  const name = journalFileName(firstSeq);
  const filePath = joinData(dir, name);
  const handle = (async () => {
    // 'wx': a segment of this name must not exist; if it does, the sequence bookkeeping is wrong.
    const fh = await open(filePath, 'wx');
    try {
      await fsyncDir(dir);
    } catch (error) {
      await fh.close();
      throw error;
    }
    return fh;
  })();
  // The writer awaits it before the first write; until then a failure must not count as unhandled.
  handle.catch(() => undefined);
  return { name, path: filePath, firstSeq, handle, size: 0, lastSeq: firstSeq - 1 };
}

/** Closes a segment's file, ignoring a segment whose creation had failed (its error surfaced elsewhere). */
export async function closeSegment(segment: JournalSegment): Promise<void> {
  const fh = await segment.handle.catch(() => undefined);
  await fh?.close();
}
