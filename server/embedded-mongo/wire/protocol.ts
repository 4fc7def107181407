/**
 * MongoDB wire-protocol framing: decoding requests (legacy OP_QUERY for the handshake, OP_MSG for
 * everything after) and encoding replies (OP_REPLY to OP_QUERY, OP_MSG to OP_MSG).
 * All integers are little-endian. Decoding uses `promoteValues: false` and `bsonRegExp: true` so that
 * int32/double/long and regex flags survive a round trip unchanged.
 */
import { deserialize, serialize, type Document } from 'bson';
import { crc32c } from './crc32c';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

/** Largest message accepted (what `hello` advertises as maxMessageSizeBytes). */
export const MAX_MESSAGE_SIZE = 48_000_000;
export const HEADER_SIZE = 16;

const FLAG_CHECKSUM = 1 << 0;
const FLAG_MORE_TO_COME = 1 << 1;
const KNOWN_FLAGS = FLAG_CHECKSUM | FLAG_MORE_TO_COME | (1 << 16);

const DESERIALIZE_OPTIONS = {
  promoteValues: false,
  bsonRegExp: true,
  allowObjectSmallerThanBufferSize: true,
};

/** A decoded client request, ready for the command dispatcher. */
export interface WireRequest {
  requestId: number;
  opCode: number;
  /** Database the command targets (`$db` for OP_MSG, the `<db>.$cmd` prefix for OP_QUERY). */
  db: string;
  body: Document;
  /** OP_MSG moreToCome: the client expects no reply at all. */
  moreToCome: boolean;
}

/** A request that could not be decoded; the wire layer still answers it so the client never hangs. */
export class WireDecodeError extends Error {
  constructor(
    message: string,
    readonly requestId: number,
    readonly opCode: number,
  ) {
    super(message);
    this.name = 'WireDecodeError';
  }
}

function readCString(buf: Buffer, offset: number): { value: string; next: number } {
  const end = buf.indexOf(0, offset);
  if (end < 0) throw new Error('unterminated cstring');
  return { value: buf.toString('utf8', offset, end), next: end + 1 };
}

function readDocument(buf: Buffer, offset: number, limit: number): { doc: Document; next: number } {
  if (offset + 5 > limit) throw new Error('truncated BSON document');
  const size = buf.readInt32LE(offset);
  if (size < 5 || offset + size > limit) throw new Error(`invalid BSON document size ${size}`);
  const doc = deserialize(buf.subarray(offset, offset + size), DESERIALIZE_OPTIONS);
  return { doc, next: offset + size };
}

function decodeOpMsg(buf: Buffer, requestId: number): WireRequest {
  const flags = buf.readUInt32LE(HEADER_SIZE);
  if ((flags & 0xffff & ~KNOWN_FLAGS) !== 0) throw new Error(`unsupported OP_MSG flag bits ${flags}`);
  let end = buf.length;
  if (flags & FLAG_CHECKSUM) {
    end -= 4;
    if (end < HEADER_SIZE + 4) throw new Error('OP_MSG too short for its checksum');
    const expected = buf.readUInt32LE(end);
    if (crc32c(buf.subarray(0, end)) !== expected) throw new Error('OP_MSG checksum mismatch');
  }
  let offset = HEADER_SIZE + 4;
  let body: Document | undefined;
  const sequences: Array<[string, Document[]]> = [];
  while (offset < end) {
    const kind = buf.readUInt8(offset);
    offset += 1;
    if (kind === 0) {
      if (body) throw new Error('OP_MSG has more than one body section');
      const read = readDocument(buf, offset, end);
      body = read.doc;
      offset = read.next;
    } else if (kind === 1) {
      if (offset + 4 > end) throw new Error('truncated document sequence');
      const sectionEnd = offset + buf.readInt32LE(offset);
      if (sectionEnd > end || sectionEnd < offset + 5) throw new Error('invalid document sequence size');
      const id = readCString(buf, offset + 4);
      const docs: Document[] = [];
      let pos = id.next;
      while (pos < sectionEnd) {
        const read = readDocument(buf, pos, sectionEnd);
        docs.push(read.doc);
        pos = read.next;
      }
      sequences.push([id.value, docs]);
      offset = sectionEnd;
    } else {
      throw new Error(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (!body) throw new Error('OP_MSG without a body section');
  // A kind-1 sequence is the same thing as an array field of the body (driver 7 sends batches this way).
  for (const [id, docs] of sequences) {
    const existing: unknown = body[id];
    body[id] = Array.isArray(existing) ? [...(existing as Document[]), ...docs] : docs;
  }
  const db = typeof body.$db === 'string' ? body.$db : 'admin';
  return { requestId, opCode: OP_MSG, db, body, moreToCome: (flags & FLAG_MORE_TO_COME) !== 0 };
}

function decodeOpQuery(buf: Buffer, requestId: number): WireRequest {
  const name = readCString(buf, HEADER_SIZE + 4);
  // numberToSkip and numberToReturn follow the collection name; commands ignore both.
  const { doc } = readDocument(buf, name.next + 8, buf.length);
  if (!name.value.endsWith('.$cmd')) throw new Error(`legacy OP_QUERY on ${name.value} is not supported`);
  const db = name.value.slice(0, -'.$cmd'.length);
  // Legacy clients may wrap the command as {$query: {...}, $readPreference: ...}.
  const body = doc.$query && typeof doc.$query === 'object' ? (doc.$query as Document) : doc;
  return { requestId, opCode: OP_QUERY, db, body, moreToCome: false };
}

/** Decodes one complete message (`buf` holds exactly `length` bytes). Throws WireDecodeError. */
export function decodeMessage(buf: Buffer): WireRequest {
  const requestId = buf.length >= 8 ? buf.readInt32LE(4) : 0;
  const opCode = buf.length >= HEADER_SIZE ? buf.readInt32LE(12) : OP_MSG;
  try {
    if (buf.length < HEADER_SIZE + 4) throw new Error('message shorter than its header');
    if (opCode === OP_MSG) return decodeOpMsg(buf, requestId);
    if (opCode === OP_QUERY) return decodeOpQuery(buf, requestId);
    if (opCode === OP_COMPRESSED) throw new Error('compression is not supported (none was advertised)');
    throw new Error(`unsupported opCode ${opCode}`);
  } catch (err) {
    throw new WireDecodeError(err instanceof Error ? err.message : String(err), requestId, opCode);
  }
}

let nextResponseId = 1;

function header(length: number, responseTo: number, opCode: number): Buffer {
  const h = Buffer.allocUnsafe(HEADER_SIZE);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(nextResponseId++ & 0x7fffffff, 4);
  h.writeInt32LE(responseTo, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

/** Encodes an OP_MSG reply: flags 0, one kind-0 section. */
export function encodeOpMsg(responseTo: number, doc: Document): Buffer {
  const body = serialize(doc);
  const length = HEADER_SIZE + 4 + 1 + body.length;
  const prefix = Buffer.alloc(5); // flagBits 0, section kind 0
  return Buffer.concat([header(length, responseTo, OP_MSG), prefix, body], length);
}

/** Encodes an OP_REPLY (answer to a legacy OP_QUERY): flags, cursorID 0, startingFrom 0, one document. */
export function encodeOpReply(responseTo: number, doc: Document): Buffer {
  const body = serialize(doc);
  const length = HEADER_SIZE + 20 + body.length;
  const fields = Buffer.alloc(20);
  fields.writeInt32LE(0, 0); // responseFlags
  fields.writeBigInt64LE(0n, 4); // cursorID
  fields.writeInt32LE(0, 12); // startingFrom
  fields.writeInt32LE(1, 16); // numberReturned
  return Buffer.concat([header(length, responseTo, OP_REPLY), fields, body], length);
}
