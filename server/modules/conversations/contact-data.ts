/**
 * The conversations module as a contact data owner (registered with the contacts module): what a contact
 * merge moves, what a data export contains and what an erasure removes. Each operation is idempotent, so the
 * contacts module can run it again after a crash half-way (no transactions).
 */
import type { ConversationDoc, ConversationModel } from './conversation.model';
import { toConversationView, toMessageView } from './conversation-views';
import type { MessageDoc, MessageModel } from './message.model';
import { op } from './mongo-helpers';

export interface ContactDataDeps {
  clock: { now(): Date };
  Conversation: ConversationModel;
  Message: MessageModel;
  /** Removes stored attachment bytes (the attachments module's store). */
  deleteAttachment?: (storageKey: string) => Promise<void>;
}

const EXPORT_BATCH = 500;

export function createContactDataOwner(deps: ContactDataDeps) {
  const { Conversation, Message } = deps;

  /**
   * Merge: every conversation and message of `fromId` now belongs to `toId`. The source's running chat
   * gives up its active marker first (the target may have its own), then everything moves.
   */
  async function moveContact(fromId: string, toId: string): Promise<void> {
    if (fromId === toId) return;
    await Conversation.updateMany(
      { contactId: fromId, activeChatKey: fromId },
      { $unset: { activeChatKey: '' } },
    );
    await Conversation.updateMany({ contactId: fromId }, { $set: { contactId: toId } });
    await Message.updateMany({ contactId: fromId }, { $set: { contactId: toId } });
  }

  /** Everything this module holds about a contact, in batches (never one unbounded read). */
  async function exportContact(contactId: string) {
    const conversations: ReturnType<typeof toConversationView>[] = [];
    const messages: ReturnType<typeof toMessageView>[] = [];
    let lastConversationId: unknown = null;
    for (;;) {
      const filter: Record<string, unknown> = { contactId };
      if (lastConversationId) filter._id = op({ $gt: lastConversationId });
      const batch = await Conversation.find(filter)
        .sort({ _id: 1 })
        .limit(EXPORT_BATCH)
        .lean<ConversationDoc[]>();
      conversations.push(...batch.map(toConversationView));
      if (batch.length < EXPORT_BATCH) break;
      lastConversationId = batch.at(-1)?._id;
    }
    let lastMessageId: unknown = null;
    for (;;) {
      const filter: Record<string, unknown> = { contactId };
      if (lastMessageId) filter._id = op({ $gt: lastMessageId });
      const batch = await Message.find(filter).sort({ _id: 1 }).limit(EXPORT_BATCH).lean<MessageDoc[]>();
      messages.push(...batch.map(toMessageView));
      if (batch.length < EXPORT_BATCH) break;
      lastMessageId = batch.at(-1)?._id;
    }
    return { conversations, messages };
  }

  /**
   * Erasure: the customer's words and files go (text, html, subject, attachments and call recordings of
   * their inbound entries; subjects, contact snapshot and CSAT comments of their conversations); the
   * timeline skeleton stays as anonymous statistics, still linked to the erased contact record.
   */
  async function eraseContact(contactId: string): Promise<void> {
    await deleteStoredAttachments(contactId);
    await Message.updateMany(
      { contactId, direction: 'inbound' },
      {
        $set: { attachments: [], erasedAt: deps.clock.now() },
        $unset: {
          text: '',
          html: '',
          subject: '',
          'call.recordingUrl': '',
          'call.recordingSid': '',
          'call.transcription': '',
        },
      },
    );
    // Replies quote the customer's subject; keep the agents' text, drop the subject line.
    await Message.updateMany({ contactId, direction: 'outbound' }, { $unset: { subject: '' } });
    await Conversation.updateMany(
      { contactId },
      { $set: { erasedAt: deps.clock.now() }, $unset: { subject: '', contactName: '', 'csat.comment': '' } },
    );
  }

  /** The bytes of the contact's inbound attachments, batch by batch (before the entries forget the keys). */
  async function deleteStoredAttachments(contactId: string): Promise<void> {
    if (!deps.deleteAttachment) return;
    let lastId: unknown = null;
    for (;;) {
      const filter: Record<string, unknown> = {
        contactId,
        direction: 'inbound',
        'attachments.storageKey': op({ $exists: true }),
      };
      if (lastId) filter._id = op({ $gt: lastId });
      const batch = await Message.find(filter)
        .sort({ _id: 1 })
        .limit(EXPORT_BATCH)
        .select({ attachments: 1 })
        .lean<Pick<MessageDoc, '_id' | 'attachments'>[]>();
      for (const message of batch)
        for (const attachment of message.attachments ?? [])
          if (attachment.storageKey) await deps.deleteAttachment(attachment.storageKey);
      if (batch.length < EXPORT_BATCH) return;
      lastId = batch.at(-1)?._id;
    }
  }

  return { name: 'conversations', moveContact, exportContact, eraseContact };
}

export type ContactDataOwner = ReturnType<typeof createContactDataOwner>;
