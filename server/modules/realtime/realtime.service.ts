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
   * The one way to send a server → client event: persists it with the next global event id, then emits it
   * to the rooms of /agent on every hub process (through the Redis adapter). Resolves with the event id.
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

export function createRealtimeService(deps: {
  connection: Connection;
  agent: AgentNamespace;
}): RealtimeService {
  const Events = getRealtimeEventModel(deps.connection);
  const counters = () => {
    if (!deps.connection.db) throw new Error('mongoose connection is not open');
    return deps.connection.db.collection<CounterDoc>('counters');
  };

  const nextEventId = async (): Promise<string> => {
    const counter = await counters().findOneAndUpdate(
      { _id: COUNTER_ID },
      { $inc: { seq: 1 } },
      { upsert: true, returnDocument: 'after' },
    );
    if (!counter) throw new Error('event counter upsert returned nothing');
    return formatEventId(counter.seq);
  };

  /*
   * Publishes run one after another in this process, so a process emits its events in id order: a client
   * that saw id N from this process has seen every earlier id this process emitted to it. (Across processes,
   * two publishes racing can still be emitted out of id order; see the module README note in index.ts.)
   */
  let tail: Promise<unknown> = Promise.resolve();
  const serialized = <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };

  return {
    publish(input) {
      const targetRooms = [...new Set(input.rooms)];
      return serialized(async () => {
        const eventId = await nextEventId();
        await Events.create({
          eventId,
          name: input.event,
          payload: JSON.stringify(input.payload),
          rooms: targetRooms,
          // Retention (the TTL index) is about wall time, not business time: a test's or a simulation's
          // manual clock set in the past must not make fresh events expire at once.
          createdAt: systemClock.now(),
        });
        if (targetRooms.length > 0) {
          const emitter = deps.agent.to(targetRooms) as unknown as {
            emit(event: string, payload: unknown): boolean;
          };
          emitter.emit(input.event, { ...input.payload, eventId });
        }
        return eventId;
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
      const counter = await counters().findOne({ _id: COUNTER_ID });
      return formatEventId(counter?.seq ?? 0);
    },
  };
}
