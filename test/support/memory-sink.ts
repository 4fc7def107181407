/**
 * An in-memory InboundSink with ingest's promises (idempotent on channel + externalId, statuses forward
 * only), for connector tests that run without the database.
 */
import type {
  CallUpdateEvent,
  DeliveryStatus,
  InboundEvent,
  InboundSink,
  StatusEvent,
} from '../../connectors/channel';
import { isStatusAdvance } from '../../connectors/twilio/twilio-mapping';

export interface MemoryEntry {
  id: string;
  conversationId: string;
  event: InboundEvent;
  call?: Record<string, unknown>;
  text?: string;
  needsCallback?: boolean;
}

export function createMemorySink() {
  const entries: MemoryEntry[] = [];
  const statuses = new Map<string, DeliveryStatus>();
  const statusEvents: StatusEvent[] = [];
  const callUpdates: CallUpdateEvent[] = [];
  const conversations = new Map<string, string>();
  let counter = 0;
  const sink: InboundSink = {
    ingest(event) {
      const existing = entries.find(
        (e) => e.event.channel === event.channel && e.event.externalId === event.externalId,
      );
      if (existing)
        return Promise.resolve({
          messageId: existing.id,
          conversationId: existing.conversationId,
          duplicate: true,
        });
      let conversationId = conversations.get(event.from.externalId);
      if (!conversationId) {
        conversationId = `conv-${++counter}`;
        conversations.set(event.from.externalId, conversationId);
      }
      const entry: MemoryEntry = {
        id: `msg-${++counter}`,
        conversationId,
        event,
        ...(event.call ? { call: { ...event.call } } : {}),
        ...(event.text ? { text: event.text } : {}),
      };
      entries.push(entry);
      return Promise.resolve({ messageId: entry.id, conversationId, duplicate: false });
    },
    updateStatus(event) {
      statusEvents.push(event);
      const current = statuses.get(event.externalId);
      if (!current || isStatusAdvance(current, event.status)) statuses.set(event.externalId, event.status);
      return Promise.resolve();
    },
    updateCall(event) {
      callUpdates.push(event);
      const entry = entries.find(
        (e) => e.event.channel === event.channel && e.event.externalId === event.externalId,
      );
      if (entry) {
        entry.call = { ...entry.call, ...event.call };
        if (event.text) entry.text = event.text;
        if (event.needsCallback) entry.needsCallback = true;
      }
      return Promise.resolve();
    },
  };
  return {
    sink,
    entries,
    statuses,
    statusEvents,
    callUpdates,
    stored: () =>
      entries.map((entry) => ({
        channel: entry.event.channel,
        externalId: entry.event.externalId,
        kind: entry.event.kind,
        ...(entry.text ? { text: entry.text } : {}),
      })),
  };
}
