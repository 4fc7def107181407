import { trusted, type Connection } from 'mongoose';
import { systemClock } from '../../lib/clock';
import type { AgentServerToClientEvents } from '../../realtime/socket-events';
import type { AgentNamespace } from '../../realtime/socket-server';
import { formatEventId } from './event-id';
import { getRealtimeEventModel } from './realtime-event.model';

export type AgentEventName = keyof AgentServerToClientEvents;
/** The payload of a server → client event, without the `eventId` that publishing adds. */
export type AgentEventPayload<E extends AgentEventName> = Omit<
  Parameters<AgentServerToClientEvents[E]>[0],
  'eventId'
>;

export interface PublishInput<E extends AgentEventName> {
  event: E;
  payload: AgentEventPayload<E>;
  /** Room names from the `rooms` helper of server/realtime/socket-events.ts. */
  rooms: readonly string[];
}

export interface StoredEvent {
  eventId: string;
  name: AgentEventName;
  payload: Record<string, unknown>;
  /** The rooms it was published to. */
  rooms: string[];
}

export interface RealtimeService {
  /**
   * The one way to send a server → client event: persists it with the next event id (from this process's
   * block of the shared counter), then emits it to the rooms of /agent on every hub process (through the
   * Redis adapter). Resolves with the event id once the event is persisted and emitted.
   */
  publish<E extends AgentEventName>(input: PublishInput<E>): Promise<string>;
  /** Persisted events after `afterEventId` whose rooms intersect `rooms`, in id order, at most `limit`. */
  listEventsAfter(input: {
    afterEventId: string;
    rooms: readonly string[];
    limit: number;
  }): Promise<StoredEvent[]>;
  /** The id of the newest event published so far ("0000000000000000" when none). */
  getLatestEventId(): Promise<string>;
}

interface CounterDoc {
  _id: string;
  seq: number;
}

const COUNTER_ID = 'realtime.events';
/** Event ids reserved per counter round trip. */
const BLOCK_SIZE = 1000;
/**
 * Ids are aligned to the clock: a block starts at or above `now (ms) × 1000`, and a block older than this
 * many milliseconds is dropped for a fresh one. Two hub processes then hand out ids at most this far out
 * of order (instead of one process's old block sitting below the other's ids), so a client that resumes
 * from the highest id it saw misses nothing a process published after it left.
 */
const BLOCK_FRESH_MS = 100;
/** Events written by one insert. */
const MAX_BATCH = 256;

interface Waiting {
  input: PublishInput<AgentEventName>;
  rooms: string[];
  resolve(eventId: string): void;
  reject(error: unknown): void;
}

interface Assigned extends Waiting {
  eventId: string;
}

export function createRealtimeService(deps: {
  connection: Connection;
  agent: AgentNamespace;
}): RealtimeService {
  const Events = getRealtimeEventModel(deps.connection);
  const counters = () => {
    if (!deps.connection.db) throw new Error('mongoose connection is not open');
    return deps.connection.db.collection<CounterDoc>('counters');
  };

  /* Ids of the current block: next .. end (inclusive). */
  let next = 1;
  let end = 0;
  let allocatedAt = 0;
  const blockUsable = () => next <= end && Date.now() - allocatedAt < BLOCK_FRESH_MS;

  /** Reserves the next block: one atomic update moves the shared counter past the clock and the block. */
  const allocateBlock = async (): Promise<void> => {
    const floor = Date.now() * 1000;
    const counter = await counters().findOneAndUpdate(
      { _id: COUNTER_ID },
      [{ $set: { seq: { $add: [{ $max: [{ $ifNull: ['$seq', 0] }, floor] }, BLOCK_SIZE] } } }],
      { upsert: true, returnDocument: 'after' },
    );
    if (!counter) throw new Error('event counter upsert returned nothing');
    end = Number(counter.seq);
    next = end - BLOCK_SIZE + 1;
    allocatedAt = Date.now();
  };

  /*
   * Publishing: ids are handed out in call order from the block; the events of one tick are written by
   * one insert, and several inserts may be in flight at once (no lock around the writes). Emits alone
   * are ordered: an event goes out only once it is persisted and every lower id of this process went out
   * (or failed), so a client that saw id N from this process has seen every earlier id it was sent.
   */
  const waiting: Waiting[] = [];
  let pumping = false;
  let emitted: Promise<void> = Promise.resolve();
  /** Ids assigned and not yet emitted or failed (getLatestEventId must not answer past them). */
  const inFlight = new Set<string>();

  const emitOne = (item: Assigned) => {
    if (item.rooms.length === 0) return;
    const emitter = deps.agent.to(item.rooms) as unknown as {
      emit(event: string, payload: unknown): boolean;
    };
    emitter.emit(item.input.event, { ...item.input.payload, eventId: item.eventId });
  };

  const writeBatch = (batch: Assigned[]) => {
    // Retention (the TTL index) is about wall time, not business time: a test's or a simulation's
    // manual clock set in the past must not make fresh events expire at once.
    const createdAt = systemClock.now();
    const persisted = Events.collection.insertMany(
      batch.map((item) => ({
        eventId: item.eventId,
        name: item.input.event,
        payload: JSON.stringify(item.input.payload),
        rooms: item.rooms,
        createdAt,
      })),
      { ordered: true },
    );
    // Handled below once the earlier inserts settled; until then a failure must not count as unhandled
    // (Node would end the process, as an engine that died under several inserts in flight showed).
    persisted.catch(() => undefined);
    emitted = emitted
      .then(() => persisted)
      .then(
        () => {
          for (const item of batch) {
            emitOne(item);
            inFlight.delete(item.eventId);
            item.resolve(item.eventId);
          }
        },
        (error: unknown) => {
          for (const item of batch) {
            inFlight.delete(item.eventId);
            item.reject(error);
          }
        },
      );
  };

  const pump = async () => {
    if (pumping) return;
    pumping = true;
    try {
      while (waiting.length > 0) {
        if (!blockUsable()) {
          try {
            await allocateBlock();
          } catch (error) {
            for (const item of waiting.splice(0)) item.reject(error);
            break;
          }
          continue;
        }
        const count = Math.min(waiting.length, end - next + 1, MAX_BATCH);
        const batch = waiting.splice(0, count).map((item): Assigned => {
          const eventId = formatEventId(next++);
          inFlight.add(eventId);
          return { ...item, eventId };
        });
        writeBatch(batch);
      }
    } finally {
      pumping = false;
    }
  };

  return {
    publish(input) {
      const targetRooms = [...new Set(input.rooms)];
      return new Promise<string>((resolve, reject) => {
        waiting.push({ input, rooms: targetRooms, resolve, reject });
        // Publishes of the same tick share one insert.
        if (waiting.length === 1) queueMicrotask(() => void pump());
      });
    },

    async listEventsAfter({ afterEventId, rooms, limit }) {
      if (rooms.length === 0 || limit <= 0) return [];
      const docs = await Events.find({
        eventId: trusted({ $gt: afterEventId }),
        rooms: trusted({ $in: [...rooms] }),
      })
        .sort({ eventId: 1 })
        .limit(limit)
        .lean();
      return docs.map((doc) => ({
        eventId: doc.eventId,
        name: doc.name as AgentEventName,
        payload: JSON.parse(doc.payload) as Record<string, unknown>,
        rooms: doc.rooms,
      }));
    },

    async getLatestEventId() {
      // The newest persisted event, but never past one of this process's events still being written:
      // a client resuming from the answer must still get that one.
      const newest = await Events.findOne({}, { eventId: 1 }).sort({ eventId: -1 }).lean();
      let latest = newest?.eventId ?? formatEventId(0);
      for (const id of inFlight) {
        const before = formatEventId(Number(id) - 1);
        if (before < latest) latest = before;
      }
      return latest;
    },
  };
}
