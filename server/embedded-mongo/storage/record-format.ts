import { calculateObjectSize, deserialize, serialize, setInternalBufferSize, type Document } from 'bson';
import { crc32c } from './crc32c';

/**
 * On-disk record framing shared by journal segments and snapshot files:
 *
 *   length (uint32 LE, payload bytes) | CRC-32C (uint32 LE) | sequence (uint64 LE) | BSON payload
 *
 * The CRC covers the length field, the sequence and the payload, so a flipped bit anywhere except in the
 * CRC itself is detected (and a flipped CRC bit fails the comparison).
 */
export const RECORD_HEADER_BYTES = 16;

/**
 * Upper bound on a payload, beyond which a length field is taken as corruption rather than trusted: a
 * write batch of 100k documents can exceed BSON's 16 MiB document limit, but never this.
 */
export const MAX_RECORD_PAYLOAD_BYTES = 1024 * 1024 * 1024;

/**
 * js-bson serializes through a module-wide 17 MiB scratch buffer and fails on anything bigger; a journal
 * record (one write batch) can be bigger, so the buffer is grown the first time one is.
 */
let bsonScratchBytes = 17 * 1024 * 1024;

/**
 * Decoding keeps numeric wrapper types (Int32, Double, Long, Decimal128) and regex flags, so that a stored
 * double stays a double across a restart: the same options the wire layer decodes with.
 */
export const PAYLOAD_DESERIALIZE_OPTIONS = { promoteValues: false, bsonRegExp: true } as const;

/** A record ready to be written: header and payload kept apart to avoid copying the payload once more. */
export interface EncodedRecord {
  readonly header: Buffer;
  readonly payload: Uint8Array;
  readonly byteLength: number;
}

/** Serializes `doc` into a record carrying `seq`. Throws (before any state changes) if it cannot encode. */
export function encodeRecord(doc: Document, seq: number): EncodedRecord {
  const size = calculateObjectSize(doc);
  if (size > bsonScratchBytes) {
    bsonScratchBytes = size;
    setInternalBufferSize(size);
  }
  const payload = serialize(doc);
  return frameRecord(payload, seq);
}

/** Frames already-serialized BSON bytes as a record carrying `seq`. */
export function frameRecord(payload: Uint8Array, seq: number): EncodedRecord {
  if (payload.length > MAX_RECORD_PAYLOAD_BYTES) {
    throw new RangeError(
      `record payload of ${payload.length} bytes exceeds the ${MAX_RECORD_PAYLOAD_BYTES} limit`,
    );
  }
  const header = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
  header.writeUInt32LE(payload.length, 0);
  // Two 32-bit halves rather than a BigInt: this runs once per record, and sequences stay below 2^53.
  header.writeUInt32LE(seq % 2 ** 32, 8);
  header.writeUInt32LE(Math.floor(seq / 2 ** 32), 12);
  header.writeUInt32LE(recordCrc(header, payload), 4);
  return { header, payload, byteLength: RECORD_HEADER_BYTES + payload.length };
}

/** The CRC a record with this header (its CRC field ignored) and payload must carry. */
export function recordCrc(header: Uint8Array, payload: Uint8Array): number {
  const crc = crc32c(header, crc32c(header, 0, 0, 4), 8, RECORD_HEADER_BYTES);
  return crc32c(payload, crc);
}

/** Reads the payload length and sequence of a header (not yet verified). */
export function readHeader(header: Buffer): { length: number; crc: number; seq: number } {
  const high = header.readUInt32LE(12);
  // Sequences are assigned from 1 upwards; anything past 2^53 can only be a corrupt header.
  return {
    length: header.readUInt32LE(0),
    crc: header.readUInt32LE(4),
    seq: high >= 2 ** 21 ? -1 : high * 2 ** 32 + header.readUInt32LE(8),
  };
}

/** Decodes a verified payload into a document, keeping BSON types as they were written. */
export function decodePayload(payload: Uint8Array): Document {
  return deserialize(payload, PAYLOAD_DESERIALIZE_OPTIONS);
}
