import { open, rename } from 'node:fs/promises';
import type { Document } from 'bson';
import { fsyncDir, joinData, snapshotFileName, snapshotTempFileName } from './data-files';
import { decodePayload, encodeRecord, type EncodedRecord } from './record-format';
import { readRecords, type ReadStop } from './record-reader';

/**
 * A snapshot file is a run of records (same framing as the journal, so every document is CRC-checked):
 * a header (record seq 0: `{format, version, seq}`), one record per document numbered 1..n, and a trailer
 * (record seq TRAILER_SEQ: `{end: true, count: n, seq}`; a reserved number, so no document can pass for it). A file is valid only if all of it reads back cleanly, the
 * numbering has no gap and the trailer is the last thing in it: a half-written file can never pass.
 */
const FORMAT = 'omnihub-snapshot';
const VERSION = 1;
const TRAILER_SEQ = Number.MAX_SAFE_INTEGER;

/** Bytes buffered before each write while streaming documents out. */
const WRITE_CHUNK_BYTES = 1024 * 1024;

/** Named points inside writing a snapshot, reported so tests can crash the process exactly there. */
export type SnapshotWriteStep = 'snapshot-chunk-written' | 'snapshot-synced' | 'snapshot-renamed';

export interface WriteSnapshotOptions {
  dir: string;
  seq: number;
  docs: Iterable<Document>;
  onStep?: (step: SnapshotWriteStep) => void | Promise<void>;
}

/**
 * Streams `docs` into `<name>.tmp`, fsyncs it, renames it to its final name and fsyncs the directory.
 * Documents are encoded and written a chunk at a time, so memory stays flat whatever the document count.
 */
export async function writeSnapshotFile(
  options: WriteSnapshotOptions,
): Promise<{ count: number; bytes: number }> {
  const { dir, seq, onStep } = options;
  const tempPath = joinData(dir, snapshotTempFileName(seq));
  // 'w' truncates a leftover temp file of the same name from an earlier crash.
  const handle = await open(tempPath, 'w');
  let count = 0;
  let bytes = 0;
  try {
    let chunk: Uint8Array[] = [];
    let chunkBytes = 0;
    const push = async (record: EncodedRecord): Promise<void> => {
      chunk.push(record.header, record.payload);
      chunkBytes += record.byteLength;
      if (chunkBytes < WRITE_CHUNK_BYTES) return;
      await writeAll(handle, chunk, chunkBytes, bytes);
      bytes += chunkBytes;
      chunk = [];
      chunkBytes = 0;
      await onStep?.('snapshot-chunk-written');
    };
    await push(encodeRecord({ format: FORMAT, version: VERSION, seq }, 0));
    for (const doc of options.docs) await push(encodeRecord(doc, ++count));
    await push(encodeRecord({ end: true, count, seq }, TRAILER_SEQ));
    await writeAll(handle, chunk, chunkBytes, bytes);
    bytes += chunkBytes;
    await handle.sync();
  } finally {
    await handle.close();
  }
  await onStep?.('snapshot-synced');
  await rename(tempPath, joinData(dir, snapshotFileName(seq)));
  await fsyncDir(dir);
  await onStep?.('snapshot-renamed');
  return { count, bytes };
}

async function writeAll(
  handle: Awaited<ReturnType<typeof open>>,
  parts: Uint8Array[],
  total: number,
  position: number,
): Promise<void> {
  if (total === 0) return;
  const { bytesWritten } = await handle.write(Buffer.concat(parts, total), 0, total, position);
  if (bytesWritten !== total) throw new Error(`short write to snapshot: ${bytesWritten} of ${total} bytes`);
}

/** A snapshot file failed verification: it must not be loaded. */
export class SnapshotCorruptError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`snapshot ${path} is corrupt: ${reason}`);
    this.name = 'SnapshotCorruptError';
  }
}

/**
 * Reads a whole snapshot file checking every CRC, the numbering and the trailer; resolves to its sequence
 * and document count, or rejects with SnapshotCorruptError. Run before yielding anything, because
 * documents already handed to the engine cannot be taken back if corruption shows up halfway.
 */
export async function verifySnapshotFile(filePath: string): Promise<{ seq: number; count: number }> {
  const handle = await open(filePath, 'r');
  try {
    const stop: ReadStop = { reason: 'end', offset: 0 };
    let expected = 0;
    let seq = -1;
    let trailer: Document | undefined;
    for await (const record of readRecords(handle, stop)) {
      if (trailer) throw new SnapshotCorruptError(filePath, 'data after the trailer');
      if (record.seq === TRAILER_SEQ && expected > 0) {
        trailer = decodePayload(record.payload);
        continue;
      }
      if (record.seq !== expected) {
        throw new SnapshotCorruptError(filePath, `record ${record.seq} where ${expected} was expected`);
      }
      if (expected === 0) seq = readHeaderSeq(filePath, decodePayload(record.payload));
      expected++;
    }
    if (stop.reason !== 'end')
      throw new SnapshotCorruptError(filePath, `${stop.reason} record at offset ${stop.offset}`);
    if (!trailer) throw new SnapshotCorruptError(filePath, 'no trailer (the file is incomplete)');
    const count = expected - 1;
    if (Number(trailer.count) !== count || Number(trailer.seq) !== seq) {
      throw new SnapshotCorruptError(filePath, 'trailer does not match the contents');
    }
    return { seq, count };
  } finally {
    await handle.close();
  }
}

/** Yields the documents of a snapshot already verified under the directory lock (CRCs are not rechecked). */
export async function* readSnapshotDocs(filePath: string): AsyncGenerator<Document> {
  const handle = await open(filePath, 'r');
  try {
    const stop: ReadStop = { reason: 'end', offset: 0 };
    let header = true;
    for await (const record of readRecords(handle, stop, { verify: false })) {
      if (header) {
        header = false;
        continue;
      }
      if (record.seq === TRAILER_SEQ) return;
      yield decodePayload(record.payload);
    }
    throw new SnapshotCorruptError(
      filePath,
      `ended without a trailer (${stop.reason} at offset ${stop.offset})`,
    );
  } finally {
    await handle.close();
  }
}

function readHeaderSeq(filePath: string, header: Document): number {
  if (header.format !== FORMAT || Number(header.version) !== VERSION) {
    throw new SnapshotCorruptError(filePath, 'unknown header (not a snapshot of this format version)');
  }
  return Number(header.seq);
}
