import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/** How long persisted events are kept for replay; older clients do a full refresh instead. */
export const EVENT_TTL_SECONDS = 3 * 24 * 3600;

const realtimeEventSchema = new Schema(
  {
    /** Global, monotonic, zero-padded (see event-id.ts): string order is numeric order. */
    eventId: { type: String, required: true },
    /** The socket event name ('message:new', 'offer:new', ...). */
    name: { type: String, required: true },
    /**
     * The payload as JSON text: payloads carry user-controlled map keys (channel names, custom fields) that
     * MongoDB field names cannot always hold, and nothing ever queries inside them.
     */
    payload: { type: String, required: true },
    rooms: { type: [String], required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'events', versionKey: false },
);
realtimeEventSchema.index({ eventId: 1 }, { unique: true });
// Sync replay: events after an id, for the rooms of one socket, in id order.
realtimeEventSchema.index({ rooms: 1, eventId: 1 });
realtimeEventSchema.index({ createdAt: 1 }, { expireAfterSeconds: EVENT_TTL_SECONDS });

export type RealtimeEventDoc = InferSchemaType<typeof realtimeEventSchema>;

function defineModel(connection: Connection) {
  return connection.model('RealtimeEvent', realtimeEventSchema);
}
export type RealtimeEventModel = ReturnType<typeof defineModel>;

export function getRealtimeEventModel(connection: Connection): RealtimeEventModel {
  return (connection.models.RealtimeEvent as RealtimeEventModel | undefined) ?? defineModel(connection);
}
