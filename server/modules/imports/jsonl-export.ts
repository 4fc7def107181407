/**
 * Exports as JSON Lines, streamed: records come from cursors and go out one line at a time with the
 * response's backpressure, so an export of millions of records holds one page in memory, never the set.
 */
import type { Response } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Model, Types } from 'mongoose';
import type { ContactsService, ContactView } from '../contacts';
import { toConversationView, toMessageView, type ConversationDoc, type MessageDoc } from '../conversations';

const CONTACT_PAGE = 200;

/** Every live contact (merged-away and erased ones left out), newest first, page by page. */
export async function* exportContacts(
  contacts: Pick<ContactsService, 'searchContacts'>,
): AsyncGenerator<{ type: 'contact'; contact: ContactView }> {
  let cursor: string | undefined;
  do {
    const page = await contacts.searchContacts({ limit: CONTACT_PAGE, ...(cursor ? { cursor } : {}) });
    for (const contact of page.items) yield { type: 'contact', contact };
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

export interface ConversationExportModels {
  Conversation: Model<ConversationDoc>;
  Message: Model<MessageDoc>;
}

/**
 * Every conversation in id order (a conversation that gets a message during the export keeps its place),
 * each line followed by its timeline's lines in display order (occurredAt, then seq), private notes
 * included: the export is an admin's.
 */
export async function* exportConversations(
  models: ConversationExportModels,
): AsyncGenerator<Record<string, unknown>> {
  const conversations = models.Conversation.find({}).sort({ _id: 1 }).lean<ConversationDoc[]>().cursor();
  for await (const doc of conversations) {
    const conversation = doc as unknown as ConversationDoc & { _id: Types.ObjectId };
    yield { type: 'conversation', conversation: toConversationView(conversation) };
    const messages = models.Message.find({ conversationId: String(conversation._id) })
      .sort({ occurredAt: 1, seq: 1 })
      .lean<MessageDoc[]>()
      .cursor();
    for await (const message of messages)
      yield {
        type: 'message',
        conversationId: String(conversation._id),
        message: toMessageView(message),
      };
  }
}

/**
 * Streams records to the response as `application/x-ndjson`, one JSON document per line, and a last
 * `{"type":"end","count":n}` line.
 */
export async function sendJsonLines(
  res: Response,
  filename: string,
  records: AsyncIterable<unknown>,
): Promise<void> {
  // attachment() sets a type from the file name (none for .jsonl): the media type goes after it.
  res.attachment(filename).type('application/x-ndjson; charset=utf-8');
  // The last line says the export is whole: a consumer can tell it from one cut off half-way.
  async function* lines() {
    let count = 0;
    for await (const record of records) {
      count++;
      yield `${JSON.stringify(record)}\n`;
    }
    yield `${JSON.stringify({ type: 'end', count })}\n`;
  }
  // A client that goes away ends the pipeline, which closes the cursors.
  await pipeline(Readable.from(lines()), res).catch((error: unknown) => {
    if (!res.destroyed) throw error;
  });
}
