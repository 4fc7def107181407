/**
 * The customer-visible timeline (the web chat widget's history and its resume after a sequence number):
 * inbound and outbound messages of one conversation in sequence order, never internal notes or system
 * entries. Read on the unique (conversationId, seq) index.
 */
import type { Readable } from 'node:stream';
import type { ChannelKind, ConnectorTimelineEntry } from '../../../connectors/channel';
import type { MessageDoc, MessageModel } from './message.model';
import { toObjectId } from './conversations.service';
import { op } from './mongo-helpers';

const MAX_PAGE = 200;

function toEntry(doc: MessageDoc): ConnectorTimelineEntry {
  return {
    id: String(doc._id),
    conversationId: doc.conversationId,
    seq: doc.seq,
    direction: doc.direction === 'inbound' ? 'inbound' : 'outbound',
    kind: doc.kind,
    channel: doc.channel as ChannelKind,
    ...(doc.text && !doc.erasedAt ? { text: doc.text } : {}),
    ...(doc.externalId ? { externalId: doc.externalId } : {}),
    authorId: doc.authorId ?? null,
    ...(doc.status ? { status: doc.status } : {}),
    attachments: (doc.attachments ?? []).map((attachment) => ({
      contentType: attachment.contentType,
      ...(attachment.filename ? { filename: attachment.filename } : {}),
      ...(attachment.size !== undefined && attachment.size !== null ? { size: attachment.size } : {}),
    })),
    occurredAt: doc.occurredAt,
  };
}

/**
 * Builds the `timeline` port of the connectors' hub services; `openStored` reads attachment bytes (the
 * attachment store), for the widget's downloads.
 */
export function createCustomerTimeline(
  Message: MessageModel,
  openStored?: (storageKey: string) => Promise<Readable>,
) {
  const visible = {
    direction: op({ $in: ['inbound', 'outbound'] as MessageDoc['direction'][] }),
    kind: op({ $ne: 'note' as const }),
  };
  return {
    async listAfter(conversationId: string, input: { afterSeq: number; limit: number }) {
      const limit = Math.min(Math.max(Math.trunc(input.limit), 1), MAX_PAGE);
      const docs = await Message.find({ conversationId, seq: op({ $gt: input.afterSeq }), ...visible })
        .sort({ seq: 1 })
        .limit(limit + 1)
        .lean<MessageDoc[]>();
      return { items: docs.slice(0, limit).map(toEntry), hasMore: docs.length > limit };
    },
    async find(messageId: string) {
      const _id = toObjectId(messageId);
      if (!_id) return null;
      const doc = await Message.findOne({ _id, ...visible }).lean<MessageDoc>();
      return doc ? toEntry(doc) : null;
    },
    async openAttachment(input: { conversationId: string; messageId: string; index: number }) {
      const _id = toObjectId(input.messageId);
      if (!_id || !openStored || !Number.isInteger(input.index) || input.index < 0) return null;
      const doc = await Message.findOne({
        _id,
        conversationId: input.conversationId,
        ...visible,
      }).lean<MessageDoc>();
      const attachment = doc && !doc.erasedAt ? doc.attachments?.[input.index] : undefined;
      if (!attachment?.storageKey) return null;
      return {
        contentType: attachment.contentType,
        ...(attachment.filename ? { filename: attachment.filename } : {}),
        ...(typeof attachment.size === 'number' ? { size: attachment.size } : {}),
        stream: await openStored(attachment.storageKey),
      };
    },
  };
}
