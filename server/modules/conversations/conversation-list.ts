/**
 * The inbox list and its search: filters on indexed fields, visibility by role, an opaque cursor on
 * (lastMessageAt, _id) descending. `q` matches the number, subject, contact (name, phone, email through the
 * contacts module) and message text; each text probe is bounded, so a search never scans without limit.
 */
import { AppError } from '../../lib/app-error';
import type {
  Category,
  ConversationDoc,
  ConversationModel,
  ConversationStatus,
  Priority,
} from './conversation.model';
import {
  decodeCursor,
  encodeCursor,
  escapeRegExp,
  parseTicketNumber,
  seesEverything,
  type Viewer,
} from './conversation-rules';
import type { MessageModel } from './message.model';
import { normalizeSearchText, op } from './mongo-helpers';

export interface ConversationListQuery {
  status?: ConversationStatus[];
  /** An agent id, or null for unassigned. */
  assigneeId?: string | null;
  /** A team id, or null for conversations without a team. */
  teamId?: string | null;
  /** Any of these teams (`team=me`: the viewer's teams). */
  teamIds?: string[];
  channel?: string;
  category?: Category;
  priority?: Priority;
  contactId?: string;
  slaDueBefore?: Date;
  q?: string;
  cursor?: string;
  limit: number;
}

export interface ConversationListDeps {
  Conversation: ConversationModel;
  Message: MessageModel;
  /** Contacts whose name, phone or email match (the contacts module's search), bounded by `limit`. */
  findContactIds?: (q: string, limit: number) => Promise<string[]>;
}

/** How many hits each text probe of a search may contribute. */
const SEARCH_PROBE_LIMIT = 200;
const SEARCH_MAX_TIME_MS = 3_000;

export function createConversationList(deps: ConversationListDeps) {
  const { Conversation, Message } = deps;

  /** The `$or` of everything a search text can match. */
  async function searchClauses(rawQ: string): Promise<Record<string, unknown>[]> {
    const q = normalizeSearchText(rawQ);
    if (!q) return [];
    const pattern = new RegExp(escapeRegExp(q), 'i');
    const clauses: Record<string, unknown>[] = [{ subject: pattern }, { contactName: pattern }];
    const messageFilter: Record<string, unknown> = { text: pattern };
    const number = parseTicketNumber(q);
    if (number !== null) clauses.push({ number });
    const [contactIds, messageHits] = await Promise.all([
      deps.findContactIds ? deps.findContactIds(q, SEARCH_PROBE_LIMIT) : Promise.resolve([]),
      Message.find(messageFilter)
        .sort({ _id: -1 })
        .limit(SEARCH_PROBE_LIMIT)
        .select({ conversationId: 1 })
        .maxTimeMS(SEARCH_MAX_TIME_MS)
        .lean<{ conversationId: string }[]>(),
    ]);
    if (contactIds.length) clauses.push({ contactId: op({ $in: contactIds }) });
    const conversationIds = [...new Set(messageHits.map((hit) => hit.conversationId))];
    if (conversationIds.length) clauses.push({ _id: op({ $in: conversationIds }) });
    return clauses;
  }

  function visibilityClause(viewer: Viewer): Record<string, unknown> | null {
    if (seesEverything(viewer)) return null;
    return {
      $or: [
        { teamId: op({ $in: [...viewer.teamIds] }) },
        { assigneeId: viewer.agentId },
        { ownerId: viewer.agentId },
      ],
    };
  }

  async function listConversations(
    viewer: Viewer,
    query: ConversationListQuery,
  ): Promise<{ items: ConversationDoc[]; nextCursor: string | null }> {
    const and: Record<string, unknown>[] = [];
    const visibility = visibilityClause(viewer);
    if (visibility) and.push(visibility);
    if (query.status?.length) and.push({ status: op({ $in: query.status }) });
    if (query.assigneeId !== undefined) and.push({ assigneeId: query.assigneeId });
    if (query.teamId !== undefined) and.push({ teamId: query.teamId });
    if (query.teamIds) and.push({ teamId: op({ $in: query.teamIds }) });
    if (query.channel) and.push({ channels: query.channel });
    if (query.category) and.push({ category: query.category });
    if (query.priority) and.push({ priority: query.priority });
    if (query.contactId) and.push({ contactId: query.contactId });
    if (query.slaDueBefore) and.push({ 'sla.nextDueAt': op({ $lte: query.slaDueBefore }) });
    if (query.q) {
      const clauses = await searchClauses(query.q);
      if (clauses.length === 0) return { items: [], nextCursor: null };
      and.push({ $or: clauses });
    }
    if (query.cursor) {
      const cursor = decodeCursor(query.cursor);
      if (!cursor) throw new AppError('INVALID_INPUT', { userMessage: 'Invalid cursor.' });
      and.push({
        $or: [
          { lastMessageAt: op({ $lt: cursor.at }) },
          { lastMessageAt: cursor.at, _id: op({ $lt: cursor.id }) },
        ],
      });
    }
    const docs = await Conversation.find(and.length ? { $and: and } : {})
      .sort({ lastMessageAt: -1, _id: -1 })
      .limit(query.limit + 1)
      .lean<ConversationDoc[]>();
    const hasMore = docs.length > query.limit;
    const items = docs.slice(0, query.limit);
    const last = items.at(-1);
    return {
      items,
      nextCursor: hasMore && last ? encodeCursor({ at: last.lastMessageAt, id: String(last._id) }) : null,
    };
  }

  return { listConversations };
}

export type ConversationList = ReturnType<typeof createConversationList>;
