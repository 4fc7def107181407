/**
 * Open cursors. A cursor holds the rest of a result (already filtered and sorted, so later writes do not
 * disturb it) and hands it out in batches bounded by count and by reply size. Abandoned cursors (a
 * client breaking out of `for await`) are dropped after an idle timeout, as mongod does after 10 minutes.
 */
import { randomBytes } from 'node:crypto';
import { Long, calculateObjectSize, type Document } from 'bson';
import { EngineError, ErrorCodes } from '../errors';

/** Replies stay under the 16 MiB BSON limit with room for the envelope. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024 - 64 * 1024;
export const DEFAULT_FIRST_BATCH = 101;

interface CursorState {
  id: bigint;
  ns: string;
  source: Iterator<Document>;
  /** Applied to each document as it is returned (projection), so unread documents cost nothing. */
  transform: ((doc: Document) => Document) | undefined;
  lastUsed: number;
  /** Look-ahead result (the source's next item, or a document that did not fit the last batch). */
  peeked?: IteratorResult<Document>;
}

export interface Batch {
  docs: Document[];
  /** 0n when the cursor is exhausted (or was never kept). */
  cursorId: bigint;
}

export class CursorRegistry {
  private readonly cursors = new Map<bigint, CursorState>();
  /** Random 63-bit ids, like mongod's: they stay Int64 on the client (small ids get promoted to numbers). */
  private newId(): bigint {
    for (;;) {
      const id = randomBytes(8).readBigInt64LE() & 0x7fffffffffffffffn;
      if (id > 2n ** 53n && !this.cursors.has(id)) return id;
    }
  }
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly idleTimeoutMs = 10 * 60_000) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(60_000, idleTimeoutMs));
    this.sweeper.unref();
  }

  get size(): number {
    return this.cursors.size;
  }

  /**
   * Takes the first batch from `source`; keeps a cursor only when more documents remain and the client
   * did not ask for a single batch.
   */
  open(
    ns: string,
    source: Iterable<Document>,
    opts: { batchSize?: number; singleBatch?: boolean; transform?: (doc: Document) => Document },
  ): Batch {
    const state: CursorState = {
      id: 0n,
      ns,
      source: source[Symbol.iterator](),
      transform: opts.transform,
      lastUsed: Date.now(),
    };
    const batchSize =
      opts.batchSize === undefined || opts.batchSize <= 0 ? DEFAULT_FIRST_BATCH : opts.batchSize;
    // batchSize 0 means "open the cursor, return nothing yet".
    const docs = opts.batchSize === 0 ? [] : this.take(state, batchSize);
    if (opts.singleBatch || this.peekDone(state)) return { docs, cursorId: 0n };
    state.id = this.newId();
    this.cursors.set(state.id, state);
    return { docs, cursorId: state.id };
  }

  /** Next batch of an open cursor; CursorNotFound (43) when unknown or of another namespace. */
  getMore(id: bigint, ns: string, batchSize: number | undefined): Batch {
    const state = this.cursors.get(id);
    if (!state || state.ns !== ns) {
      throw new EngineError(ErrorCodes.CursorNotFound, 'CursorNotFound', `cursor id ${id} not found`);
    }
    state.lastUsed = Date.now();
    const docs = this.take(state, batchSize && batchSize > 0 ? batchSize : Number.MAX_SAFE_INTEGER);
    if (this.peekDone(state)) {
      this.cursors.delete(id);
      return { docs, cursorId: 0n };
    }
    return { docs, cursorId: id };
  }

  kill(id: bigint): boolean {
    return this.cursors.delete(id);
  }

  /** Buffered look-ahead: whether the source has nothing left. */
  private peekDone(state: CursorState): boolean {
    if (!state.peeked) state.peeked = state.source.next();
    return state.peeked.done === true;
  }

  private take(state: CursorState, max: number): Document[] {
    const docs: Document[] = [];
    let bytes = 0;
    while (docs.length < max) {
      const next = state.peeked ?? state.source.next();
      state.peeked = undefined;
      if (next.done) {
        state.peeked = next;
        break;
      }
      const doc = state.transform ? state.transform(next.value) : next.value;
      const size = calculateObjectSize(doc);
      if (docs.length > 0 && bytes + size > MAX_BATCH_BYTES) {
        // Too big for this reply: hand it out first in the next batch.
        state.peeked = { done: false, value: next.value };
        break;
      }
      bytes += size;
      docs.push(doc);
    }
    return docs;
  }

  private sweep(): void {
    const cutoff = Date.now() - this.idleTimeoutMs;
    for (const [id, state] of this.cursors) if (state.lastUsed < cutoff) this.cursors.delete(id);
  }

  close(): void {
    clearInterval(this.sweeper);
    this.cursors.clear();
  }
}

/** Cursor ids travel as Int64 on the wire. */
export function cursorIdToLong(id: bigint): Long {
  return Long.fromBigInt(id);
}

/** Reads a cursor id argument (Long, number or bigint). */
export function cursorIdFromValue(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (value instanceof Long) return value.toBigInt();
  const maybe = value as { _bsontype?: string; value?: number } | null;
  if (maybe?._bsontype === 'Int32' || maybe?._bsontype === 'Double')
    return BigInt(Math.trunc(maybe.value ?? 0));
  return undefined;
}
