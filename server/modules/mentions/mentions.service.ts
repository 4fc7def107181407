/**
 * Mentions in internal notes: when a note is stored, the agents it names (`@[Name](agentId)` tokens) are
 * checked (they exist, are active, are not the author, and may see the conversation now) and each gets
 * one notification: a stored entry for their list and a `mention:new` event to their own room.
 */
import { Types, trusted } from 'mongoose';
import type { Connection } from 'mongoose';
import { isDuplicateKeyError } from '../../infra/mongo-errors';
import { AppError } from '../../lib/app-error';
import type { Clock } from '../../lib/clock';
import { rooms, type MentionSummary } from '../../realtime/socket-events';
import { canSeeConversation } from '../conversations';
import type { PublishInput } from '../realtime';
import { mentionedAgentIds, withMentionNames } from './mention-tokens';
import { mentionModel, type MentionRecord } from './mention.model';

/** What mentions read from the other modules (adapted by the composition root). */
export interface MentionsPorts {
  findNote(
    messageId: string,
  ): Promise<{ conversationId: string; kind: string; text?: string | null; authorId: string | null } | null>;
  findConversation(id: string): Promise<{
    number: number;
    teamId?: string | null;
    assigneeId?: string | null;
    ownerId?: string | null;
  } | null>;
  findAgent(id: string): Promise<{ id: string; role: string; teamIds: string[]; active: boolean } | null>;
  publish(input: PublishInput<'mention:new'>): Promise<string>;
}

const EXCERPT_LENGTH = 200;
/** A note naming more agents than this notifies the first ones only (a paste of a roster is not a page). */
export const MAX_MENTIONS_PER_NOTE = 20;

export function toMentionSummary(doc: MentionRecord): MentionSummary {
  return {
    id: String(doc._id),
    conversationId: doc.conversationId,
    conversationNumber: doc.conversationNumber,
    messageId: doc.messageId,
    authorId: doc.authorId,
    excerpt: doc.excerpt,
    createdAt: doc.createdAt.toISOString(),
    readAt: doc.readAt ? doc.readAt.toISOString() : null,
  };
}

interface Cursor {
  t: string;
  id: string;
}
const encodeCursor = (doc: MentionRecord) =>
  Buffer.from(JSON.stringify({ t: doc.createdAt.toISOString(), id: String(doc._id) })).toString('base64url');
function decodeCursor(value: string): Cursor {
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (typeof parsed.t === 'string' && typeof parsed.id === 'string' && Types.ObjectId.isValid(parsed.id))
      if (!Number.isNaN(Date.parse(parsed.t))) return { t: parsed.t, id: parsed.id };
  } catch {
    // fall through
  }
  throw new AppError('INVALID_INPUT', { userMessage: 'The list cursor is not valid.' });
}

export function createMentionsService(deps: { connection: Connection; ports: MentionsPorts; clock: Clock }) {
  const Mentions = mentionModel(deps.connection);
  const { ports, clock } = deps;

  return {
    /** Notifies the agents a stored note mentions; returns who was notified (repeats notify no one). */
    async notifyForNote(messageId: string): Promise<string[]> {
      const note = await ports.findNote(messageId);
      if (!note || note.kind !== 'note') return [];
      const ids = mentionedAgentIds(note.text)
        .filter((id) => id !== note.authorId)
        .slice(0, MAX_MENTIONS_PER_NOTE);
      if (ids.length === 0) return [];
      const conversation = await ports.findConversation(note.conversationId);
      if (!conversation) return [];
      const excerpt = withMentionNames(note.text ?? '').slice(0, EXCERPT_LENGTH);
      const notified: string[] = [];
      for (const id of ids) {
        const agent = await ports.findAgent(id);
        if (!agent?.active) continue;
        if (
          !canSeeConversation({ agentId: agent.id, role: agent.role, teamIds: agent.teamIds }, conversation)
        )
          continue;
        let doc: MentionRecord;
        try {
          doc = (
            await Mentions.create({
              agentId: agent.id,
              messageId,
              conversationId: note.conversationId,
              conversationNumber: conversation.number,
              authorId: note.authorId,
              excerpt,
              createdAt: clock.now(),
              readAt: null,
            })
          ).toObject();
        } catch (error) {
          if (isDuplicateKeyError(error)) continue;
          throw error;
        }
        await ports.publish({
          event: 'mention:new',
          payload: { conversationId: note.conversationId, mention: toMentionSummary(doc) },
          rooms: [rooms.agent(agent.id)],
        });
        notified.push(agent.id);
      }
      return notified;
    },

    /** An agent's mentions, newest first, with the number still unread. */
    async list(agentId: string, query: { limit: number; cursor?: string | undefined }) {
      const filter: Record<string, unknown> = { agentId };
      if (query.cursor) {
        const cursor = decodeCursor(query.cursor);
        const t = new Date(cursor.t);
        filter.$or = trusted([
          { createdAt: { $lt: t } },
          { createdAt: t, _id: { $lt: new Types.ObjectId(cursor.id) } },
        ]);
      }
      const docs = await Mentions.find(filter)
        .sort({ createdAt: -1, _id: -1 })
        .limit(query.limit + 1)
        .lean<MentionRecord[]>();
      const page = docs.slice(0, query.limit);
      const unread = await Mentions.countDocuments({ agentId, readAt: null });
      return {
        items: page.map(toMentionSummary),
        unread,
        nextCursor: docs.length > query.limit && page.length ? encodeCursor(page.at(-1)!) : null,
      };
    },

    /** Marks some (or all) of an agent's mentions read; answers with the number still unread. */
    async markRead(agentId: string, ids: string[] | undefined): Promise<{ unread: number }> {
      const filter: Record<string, unknown> = { agentId, readAt: null };
      if (ids) filter._id = trusted({ $in: ids.map((id) => new Types.ObjectId(id)) });
      await Mentions.updateMany(filter, { $set: { readAt: clock.now() } });
      return { unread: await Mentions.countDocuments({ agentId, readAt: null }) };
    },
  };
}
export type MentionsService = ReturnType<typeof createMentionsService>;
