/**
 * What a visitor does, independent of the transport (socket events and the upload route share it): send a
 * message (ingest, idempotent on the visitor's client id), read their history after a sequence number,
 * mark agent messages read, rate their resolved conversation.
 */
import type {
  ConnectorContext,
  ConnectorQueuePlace,
  ConnectorTimelineEntry,
  InboundAttachment,
  InboundEvent,
} from '../channel';
import type { WidgetMessage, WidgetQueue } from './webchat-events';
import type { WebchatInbox } from './webchat-inboxes';
import type { VisitorRecord, WebchatStore } from './webchat-store';
import { visitorKeys } from './visitor-token';

/** Rooms of the /customer namespace. */
export const customerRooms = {
  visitor: (visitorKey: string) => `wc-visitor:${visitorKey}`,
  conversation: (conversationId: string) => `wc-conversation:${conversationId}`,
};

export const inboundExternalId = (visitorKey: string, clientId: string) => `wc:${visitorKey}:${clientId}`;
/** The id our outbound messages carry (read receipts find them by it). */
export const outboundExternalId = (messageId: string) => `webchat:${messageId}`;

/** Where the widget downloads attachment `index` of a message (webchat-routes). */
export const attachmentPath = (messageId: string, index: number) =>
  `/webchat/attachments/${messageId}/${index}`;

export function toWidgetMessage(entry: ConnectorTimelineEntry): WidgetMessage {
  const clientId =
    entry.direction === 'inbound' && entry.externalId?.startsWith('wc:')
      ? entry.externalId.slice(entry.externalId.lastIndexOf(':') + 1)
      : undefined;
  return {
    id: entry.id,
    conversationId: entry.conversationId,
    seq: entry.seq,
    from: entry.direction === 'inbound' ? 'visitor' : 'agent',
    text: entry.text ?? '',
    attachments: entry.attachments.map((attachment, index) => ({
      ...attachment,
      url: attachmentPath(entry.id, index),
    })),
    ...(entry.status ? { status: entry.status } : {}),
    occurredAt: entry.occurredAt.toISOString(),
    ...(clientId ? { clientId } : {}),
  };
}

/** The widget's view of a queue place (the hub's place, without what the visitor need not see). */
export function toWidgetQueue(place: ConnectorQueuePlace | null | undefined): WidgetQueue | null {
  if (!place) return null;
  const wait = place.expectedWait;
  return {
    position: place.position,
    depth: place.depth,
    expectedWait: wait ? { seconds: wait.seconds, samples: wait.samples } : null,
  };
}

export class VisitorError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryAfterSec?: number,
  ) {
    super(message);
    this.name = 'VisitorError';
  }
}

export function createVisitorActions(deps: { context: ConnectorContext; store: WebchatStore }) {
  const { context, store } = deps;
  const timeline = context.hub.timeline;

  /** The visitor's conversation unless it was closed (a closed one is history: the next message opens another). */
  async function currentConversation(record: VisitorRecord) {
    if (!record.conversationId) return null;
    const conversation = await context.hub.conversations.find(record.conversationId);
    return conversation && conversation.status !== 'closed' ? conversation : null;
  }

  async function send(input: {
    inbox: WebchatInbox;
    record: VisitorRecord;
    clientId: string;
    text: string;
    attachments?: InboundAttachment[];
  }): Promise<WidgetMessage> {
    const { inbox, record } = input;
    const identified = visitorKeys.isIdentified(record.key);
    const profile = record.profile;
    const category = profile.fields?.category;
    const event: InboundEvent = {
      channel: 'webchat',
      inboxId: inbox.inboxId,
      externalId: inboundExternalId(record.key, input.clientId),
      occurredAt: context.clock.now(),
      from: {
        externalId: record.key,
        ...(profile.name ? { name: profile.name } : {}),
        // An address typed into the pre-chat form is unverified: it is shown (handle) and used for the
        // offline continuation, but never joins an existing contact. A verified identity's email does.
        ...(identified && profile.email ? { email: profile.email } : {}),
        ...(profile.email || profile.phone ? { handle: profile.email ?? profile.phone } : {}),
      },
      kind: 'message',
      text: input.text,
      ...(input.attachments?.length ? { attachments: input.attachments } : {}),
      ...(category ? { hints: { category } } : {}),
    };
    const result = await context.sink.ingest(event);
    await linkEmail(record, result.conversationId);
    if (record.conversationId !== result.conversationId) {
      await store.update(record.key, (r) => {
        r.conversationId = result.conversationId;
      });
      record.conversationId = result.conversationId;
    }
    const entry = await timeline?.find(result.messageId);
    const message: WidgetMessage = entry
      ? toWidgetMessage(entry)
      : {
          id: result.messageId,
          conversationId: result.conversationId,
          seq: 0,
          from: 'visitor',
          text: input.text,
          attachments: [],
          occurredAt: event.occurredAt.toISOString(),
          clientId: input.clientId,
        };
    // The visitor's other tabs and devices show it too.
    context.customerSockets.to(customerRooms.visitor(record.key)).emit('message', { message });
    return message;
  }

  /**
   * The pre-chat email goes on the visitor's contact (unless someone else's contact has it), so a reply to
   * the offline continuation mail resolves to this contact and threads into this conversation.
   */
  async function linkEmail(record: VisitorRecord, conversationId: string): Promise<void> {
    const email = record.profile.email;
    if (!email || record.emailLinked === email || !context.hub.contacts.addEmailIfUnclaimed) return;
    const conversation = await context.hub.conversations.find(conversationId);
    if (!conversation) return;
    const linked = await context.hub.contacts.addEmailIfUnclaimed(conversation.contactId, email);
    if (!linked)
      context.logger.info({ conversationId }, 'pre-chat email belongs to another contact: not linked');
    await store.update(record.key, (r) => {
      r.emailLinked = email;
    });
  }

  async function history(record: VisitorRecord, afterSeq: number) {
    const conversation = await currentConversation(record);
    if (!conversation || !timeline) return { conversationId: null, items: [], hasMore: false };
    const page = await timeline.listAfter(conversation.id, { afterSeq, limit: 100 });
    return { conversationId: conversation.id, items: page.items.map(toWidgetMessage), hasMore: page.hasMore };
  }

  /** Read receipts: every agent message up to `seq` the visitor has not marked read yet. */
  async function markRead(inbox: WebchatInbox, record: VisitorRecord, seq: number): Promise<void> {
    const conversation = await currentConversation(record);
    if (!conversation || !timeline || seq <= record.readSeq) return;
    let after = record.readSeq;
    for (let page = 0; page < 5; page++) {
      const { items, hasMore } = await timeline.listAfter(conversation.id, { afterSeq: after, limit: 100 });
      for (const entry of items) {
        if (entry.seq > seq) break;
        // Named by our own message id too: a read that beats the outbound job's `sent` is not lost.
        if (entry.direction === 'outbound' && entry.channel === 'webchat')
          await context.sink.updateStatus({
            channel: 'webchat',
            inboxId: inbox.inboxId,
            externalId: outboundExternalId(entry.id),
            messageId: entry.id,
            status: 'read',
            occurredAt: context.clock.now(),
          });
      }
      const last = items.at(-1);
      if (!hasMore || !last || last.seq >= seq) break;
      after = last.seq;
    }
    await store.update(record.key, (r) => {
      r.readSeq = Math.max(r.readSeq, seq);
    });
  }

  async function rate(record: VisitorRecord, input: { score: number; comment?: string }): Promise<void> {
    const conversation = await currentConversation(record);
    if (!conversation || conversation.status !== 'resolved')
      throw new VisitorError('NOT_RESOLVED', 'Only a resolved conversation can be rated.');
    if (record.csatFor === conversation.id)
      throw new VisitorError('ALREADY_RATED', 'This conversation was rated already.');
    if (!context.hub.csat) throw new VisitorError('UNAVAILABLE', 'Ratings are not available.');
    await context.hub.csat.record(conversation.id, input);
    await store.update(record.key, (r) => {
      r.csatFor = conversation.id;
    });
  }

  /** Where the visitor's conversation stands in the queue (null: not queued). */
  async function queue(record: VisitorRecord): Promise<WidgetQueue | null> {
    const conversation = await currentConversation(record);
    if (!conversation || !context.hub.queue) return null;
    return toWidgetQueue(await context.hub.queue.position(conversation.id));
  }

  return { send, history, markRead, rate, currentConversation, queue };
}
export type VisitorActions = ReturnType<typeof createVisitorActions>;
