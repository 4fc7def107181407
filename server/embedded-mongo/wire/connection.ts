/**
 * One client socket: frames the byte stream into messages, hands decoded requests to the command
 * handler, writes replies. Every request gets an answer (except moreToCome ones), including those that
 * fail to decode: a driver waiting on an unanswered request hangs forever.
 */
import type { Socket } from 'node:net';
import type { Document } from 'bson';
import {
  HEADER_SIZE,
  MAX_MESSAGE_SIZE,
  OP_MSG,
  OP_QUERY,
  WireDecodeError,
  decodeMessage,
  encodeOpMsg,
  encodeOpReply,
  type WireRequest,
} from './protocol';

/** What the command layer sees of the connection a request arrived on. */
export interface ConnectionInfo {
  readonly id: number;
  readonly remoteAddress: string;
}

/** Runs one request; resolves to the reply document (ignored for moreToCome requests). */
export type RequestHandler = (request: WireRequest, conn: ConnectionInfo) => Promise<Document>;

export interface WireLogger {
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

function errorReply(message: string, code = 2, codeName = 'BadValue'): Document {
  return { ok: 0, errmsg: message, code, codeName };
}

/** Serves one socket until it closes. */
export class WireConnection implements ConnectionInfo {
  readonly remoteAddress: string;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private closed = false;

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly handler: RequestHandler,
    private readonly logger: WireLogger,
  ) {
    this.remoteAddress = `${socket.remoteAddress ?? 'unknown'}:${socket.remotePort ?? 0}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.closed = true;
    });
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (!this.closed && this.buffered >= 4) {
      const head = this.peek(Math.min(this.buffered, HEADER_SIZE));
      const length = head.readInt32LE(0);
      if (length < HEADER_SIZE || length > MAX_MESSAGE_SIZE) {
        this.rejectUnframeable(head, length);
        return;
      }
      if (this.buffered < length) return;
      this.dispatch(this.take(length));
    }
  }

  /** The first `n` buffered bytes, without consuming them. */
  private peek(n: number): Buffer {
    const first = this.chunks[0];
    if (first && first.length >= n) return first;
    const joined = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [joined];
    return joined;
  }

  private take(n: number): Buffer {
    const joined = this.peek(n);
    const message = joined.subarray(0, n);
    const rest = joined.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered -= n;
    return message;
  }

  /** A length we cannot frame by: answer if we can read a header, then drop the connection. */
  private rejectUnframeable(head: Buffer, length: number): void {
    const message = `invalid message length ${length} (max ${MAX_MESSAGE_SIZE})`;
    this.logger.warn(`embedded-mongo: connection ${this.id}: ${message}; closing`);
    if (head.length >= HEADER_SIZE) {
      const requestId = head.readInt32LE(4);
      const opCode = head.readInt32LE(12);
      this.send(opCode === OP_QUERY ? OP_QUERY : OP_MSG, requestId, errorReply(message));
    }
    this.closed = true;
    this.socket.end();
  }

  private dispatch(message: Buffer): void {
    let request: WireRequest;
    try {
      request = decodeMessage(message);
    } catch (err) {
      const decodeError = err instanceof WireDecodeError ? err : new WireDecodeError(String(err), 0, OP_MSG);
      // A moreToCome message expects no reply even when it is malformed.
      const moreToCome = message.length >= HEADER_SIZE + 4 && (message.readUInt32LE(HEADER_SIZE) & 2) !== 0;
      this.logger.warn(`embedded-mongo: connection ${this.id}: undecodable message: ${decodeError.message}`);
      if (!(decodeError.opCode === OP_MSG && moreToCome)) {
        this.send(
          decodeError.opCode,
          decodeError.requestId,
          errorReply(`invalid message: ${decodeError.message}`),
        );
      }
      return;
    }
    this.handler(request, this).then(
      (reply) => {
        if (!request.moreToCome) this.send(request.opCode, request.requestId, reply);
      },
      (err: unknown) => {
        this.logger.error(`embedded-mongo: connection ${this.id}: handler failed`, err);
        if (!request.moreToCome) {
          this.send(request.opCode, request.requestId, errorReply(String(err), 1, 'InternalError'));
        }
      },
    );
  }

  private send(opCode: number, responseTo: number, reply: Document): void {
    if (this.socket.destroyed) return;
    let bytes: Buffer;
    try {
      bytes = opCode === OP_QUERY ? encodeOpReply(responseTo, reply) : encodeOpMsg(responseTo, reply);
    } catch (err) {
      // An unserialisable reply (e.g. over the BSON size limit) still gets an answer.
      const fallback = errorReply(`could not encode reply: ${String(err)}`, 10334, 'BSONObjectTooLarge');
      bytes = opCode === OP_QUERY ? encodeOpReply(responseTo, fallback) : encodeOpMsg(responseTo, fallback);
    }
    this.socket.write(bytes);
  }

  /** Closes the socket (server shutdown). */
  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }
}
