import type { FileHandle } from 'node:fs/promises';
import { MAX_RECORD_PAYLOAD_BYTES, RECORD_HEADER_BYTES, readHeader, recordCrc } from './record-format';

/** One record read back from a file, with where it lies so a caller can truncate after it. */
export interface ReadRecord {
  readonly seq: number;
  readonly payload: Buffer;
  /** Offset of the record's first header byte. */
  readonly offset: number;
  /** Offset just past the record. */
  readonly end: number;
}

/**
 * Why reading stopped: `end` = the range was consumed exactly; `torn` = the file ends inside a record (a
 * write cut short by a crash); `corrupt` = a complete-looking record failed its length or CRC check.
 * `offset` is where the last good record ends, i.e. where a torn tail must be cut.
 */
export interface ReadStop {
  reason: 'end' | 'torn' | 'corrupt';
  offset: number;
}

/** Bytes read per system call: large enough to amortise calls, small enough to stream 1M-record files. */
const CHUNK_BYTES = 1024 * 1024;

/**
 * Reads records from `handle` between `start` and `end` (the file size when omitted), stopping at the first
 * short or corrupt one. The stop reason is written into `stop` when the generator finishes. With
 * `verify: false` the CRC is not recomputed (for a second pass over a file already verified under lock).
 */
export async function* readRecords(
  handle: FileHandle,
  stop: ReadStop,
  options: { start?: number; end?: number; verify?: boolean } = {},
): AsyncGenerator<ReadRecord> {
  const end = options.end ?? (await handle.stat()).size;
  const verify = options.verify ?? true;
  let fileOffset = options.start ?? 0; // next byte to read from the file
  let buffer = Buffer.alloc(0);
  let bufferStart = fileOffset; // file offset of buffer[0]
  let recordOffset = fileOffset;
  stop.reason = 'end';
  stop.offset = recordOffset;

  // Makes sure `bytes` bytes from `recordOffset` are buffered; false when the range ends first.
  const fill = async (bytes: number): Promise<boolean> => {
    const have = bufferStart + buffer.length - recordOffset;
    if (have >= bytes) return true;
    const available = end - fileOffset;
    if (have + available < bytes) return false;
    const want = Math.min(available, Math.max(bytes - have, CHUNK_BYTES));
    const next = Buffer.allocUnsafe(have + want);
    buffer.copy(next, 0, recordOffset - bufferStart);
    const { bytesRead } = await handle.read(next, have, want, fileOffset);
    if (bytesRead !== want) throw new Error(`short read at offset ${fileOffset}: file changed while reading`);
    fileOffset += want;
    buffer = next;
    bufferStart = recordOffset;
    return true;
  };

  // Bytes buffered from the current record on; checked before `fill` so most records cost no await.
  const buffered = () => bufferStart + buffer.length - recordOffset;
  while (recordOffset < end) {
    if (buffered() < RECORD_HEADER_BYTES && !(await fill(RECORD_HEADER_BYTES))) {
      return setStop(stop, 'torn', recordOffset);
    }
    const at = recordOffset - bufferStart;
    const header = buffer.subarray(at, at + RECORD_HEADER_BYTES);
    const { length, crc, seq } = readHeader(header);
    // A BSON document is at least 5 bytes and starts with its own length: cheap checks that catch a
    // corrupt length before it makes us read (or wait for) gigabytes.
    if (length < 5 || length > MAX_RECORD_PAYLOAD_BYTES || seq < 0)
      return setStop(stop, 'corrupt', recordOffset);
    if (buffered() < RECORD_HEADER_BYTES + length && !(await fill(RECORD_HEADER_BYTES + length))) {
      return setStop(stop, 'torn', recordOffset);
    }
    const start = recordOffset - bufferStart;
    const head = buffer.subarray(start, start + RECORD_HEADER_BYTES);
    const payload = buffer.subarray(start + RECORD_HEADER_BYTES, start + RECORD_HEADER_BYTES + length);
    if (payload.readInt32LE(0) !== length) return setStop(stop, 'corrupt', recordOffset);
    if (verify && recordCrc(head, payload) !== crc) return setStop(stop, 'corrupt', recordOffset);
    const recordEnd = recordOffset + RECORD_HEADER_BYTES + length;
    yield { seq, payload, offset: recordOffset, end: recordEnd };
    recordOffset = recordEnd;
    stop.offset = recordOffset;
  }
}

function setStop(stop: ReadStop, reason: ReadStop['reason'], offset: number): void {
  stop.reason = reason;
  stop.offset = offset;
}
