import { open, unlink } from 'node:fs/promises';
import { fsyncDir, joinData } from './data-files';
import { createSegment, existingSegment, type JournalSegment } from './journal-segment';
import { readRecords, type ReadStop } from './record-reader';

/** A stretch of a segment holding records newer than the snapshot, to be replayed by `recover`. */
export interface ReplayRange {
  path: string;
  start: number;
  end: number;
}

export interface JournalScan {
  /** Where appends continue: the last valid segment (truncated after its last good record) or a new one. */
  active: JournalSegment;
  /** Highest sequence in the journal or the snapshot; the next append gets lastSeq + 1. */
  lastSeq: number;
  replay: ReplayRange[];
  /** Bytes of records newer than the snapshot. */
  replayBytes: number;
}

/**
 * Validates the journal segments that may hold records newer than the snapshot (`snapshotSeq`), reading
 * every record and its CRC. Reading stops at the first short record, corrupt record, or break in the
 * sequence; the segment it stops in is truncated there (and fsynced) and later segments are deleted, so
 * new appends follow valid data. Nothing after that point can have been acknowledged: an acknowledgement
 * waits for the fdatasync of every earlier record.
 */
export async function scanJournal(
  dir: string,
  segments: { name: string; firstSeq: number }[],
  snapshotSeq: number,
  warn: (message: string) => void,
): Promise<JournalScan> {
  const replay: ReplayRange[] = [];
  let replayBytes = 0;
  let expected: number | undefined; // next sequence the log must continue with
  let active: JournalSegment | undefined;
  let discardFrom = segments.length;

  for (let i = 0; i < segments.length; i++) {
    const { name, firstSeq } = segments[i]!;
    const next = segments[i + 1];
    // Wholly older than the snapshot: nothing to replay, deleted by the clean-up.
    if (next && next.firstSeq - 1 <= snapshotSeq) continue;
    if (expected === undefined) {
      if (firstSeq > snapshotSeq + 1) {
        throw new Error(
          `data directory ${dir}: journal records ${snapshotSeq + 1}..${firstSeq - 1} after snapshot ` +
            `${snapshotSeq} are missing; refusing to start with a hole in the data`,
        );
      }
      expected = firstSeq;
    } else if (firstSeq !== expected) {
      // The previous segment ended early (its tail was never synced): the log stops there.
      discardFrom = i;
      break;
    }
    const filePath = joinData(dir, name);
    const handle = await open(filePath, 'r+');
    const stop: ReadStop = { reason: 'end', offset: 0 };
    let replayStart: number | undefined;
    try {
      for await (const record of readRecords(handle, stop)) {
        if (record.seq !== expected) {
          stop.reason = 'corrupt';
          break;
        }
        if (record.seq > snapshotSeq) replayStart ??= record.offset;
        expected++;
      }
      const size = (await handle.stat()).size;
      if (stop.reason !== 'end' || stop.offset < size) {
        warn(
          `journal ${name}: ${stop.reason} record at offset ${stop.offset}; truncating ${size - stop.offset} bytes`,
        );
        await handle.truncate(stop.offset);
        await handle.sync();
        discardFrom = i + 1;
      }
    } catch (error) {
      await handle.close();
      throw error;
    }
    if (replayStart !== undefined) {
      replay.push({ path: filePath, start: replayStart, end: stop.offset });
      replayBytes += stop.offset - replayStart;
    }
    const previous = active;
    active = existingSegment(dir, firstSeq, handle, stop.offset, expected - 1);
    if (previous) await (await previous.handle).close();
    if (discardFrom === i + 1) break;
  }

  await discardSegments(dir, segments.slice(discardFrom), warn);
  const journalEnd = expected === undefined ? snapshotSeq : expected - 1;
  const lastSeq = Math.max(journalEnd, snapshotSeq);
  if (!active || journalEnd < snapshotSeq) {
    // No segment, or the journal ends inside what the snapshot already covers (a segment's unsynced tail
    // was lost, yet the snapshot holds it): appends must start a segment of their own at snapshotSeq + 1.
    if (active) await (await active.handle).close();
    active = createSegment(dir, snapshotSeq + 1);
    await active.handle;
  }
  return { active, lastSeq, replay, replayBytes };
}

async function discardSegments(
  dir: string,
  segments: { name: string; firstSeq: number }[],
  warn: (message: string) => void,
): Promise<void> {
  if (segments.length === 0) return;
  for (const { name } of segments) {
    warn(`journal ${name} follows the end of the valid log and is discarded`);
    await unlink(joinData(dir, name));
  }
  await fsyncDir(dir);
}
