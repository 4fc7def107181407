/**
 * The inbox's view and filters: kept per agent across reloads, turned into the list API's query. Views
 * by role: agents get Mine / Unassigned / My teams; supervisors and admins also All (their first view).
 */
import type { ConversationQuery } from '../lib/api-client';
import type { Category, ChannelKind, ConversationView, Priority } from '../lib/api-types';

export type InboxView = 'mine' | 'unassigned' | 'teams' | 'all';
export type SlaFilter = '' | 'soon' | 'breached';
export type SortOrder = 'newest' | 'oldest' | 'due' | 'priority';

export interface InboxFilters {
  view: InboxView;
  status: string;
  channel: ChannelKind | '';
  priority: Priority | '';
  category: Category | '';
  sla: SlaFilter;
  tag: string;
  assignee: string;
  sort: SortOrder;
  q: string;
}

export const DEFAULT_FILTERS: InboxFilters = {
  view: 'mine',
  status: 'active',
  channel: '',
  priority: '',
  category: '',
  sla: '',
  tag: '',
  assignee: '',
  sort: 'newest',
  q: '',
};

/** The view a person starts in: agents their own work, supervisors and admins every conversation. */
export function defaultView(role: string): InboxView {
  return role === 'agent' ? 'mine' : 'all';
}

export const ACTIVE_STATUSES = 'new,open,pending,snoozed';

/** The API query for these filters; `now` is rounded to the minute so the cache key stays stable. */
export function toQuery(filters: InboxFilters, now: number): ConversationQuery {
  const minute = Math.floor(now / 60_000) * 60_000;
  const query: ConversationQuery = {};
  if (filters.view === 'mine') query.assignee = 'me';
  if (filters.view === 'unassigned') query.assignee = 'none';
  if (filters.view === 'teams') query.team = 'me';
  if (filters.assignee && (filters.view === 'teams' || filters.view === 'all'))
    query.assignee = filters.assignee;
  if (filters.status === 'active') query.status = ACTIVE_STATUSES;
  else if (filters.status) query.status = filters.status;
  if (filters.channel) query.channel = filters.channel;
  if (filters.priority) query.priority = filters.priority;
  if (filters.category) query.category = filters.category;
  if (filters.sla === 'soon') query.slaDueBefore = new Date(minute + 3_600_000).toISOString();
  if (filters.sla === 'breached') query.slaDueBefore = new Date(minute).toISOString();
  if (filters.q.trim()) query.q = filters.q.trim();
  return query;
}

const PRIORITY_RANK: Record<Priority, number> = { urgent: 0, high: 1, normal: 2, low: 3 };

/** The rows to show: the tag filter and sort orders the API does not offer, applied to what is loaded. */
export function arrangeRows(rows: ConversationView[], filters: InboxFilters): ConversationView[] {
  const tag = filters.tag.trim().toLowerCase();
  const kept = tag ? rows.filter((r) => r.tags.some((t) => t.toLowerCase() === tag)) : rows;
  const due = (r: ConversationView) => (r.sla?.nextDueAt ? Date.parse(r.sla.nextDueAt) : Infinity);
  switch (filters.sort) {
    case 'oldest':
      return [...kept].reverse();
    case 'due':
      return [...kept].sort((a, b) => due(a) - due(b));
    case 'priority':
      return [...kept].sort((a, b) => PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority]);
    default:
      return kept;
  }
}

/** Seconds the customer has been waiting for an answer, or null when the last word was ours. */
export function waitingSeconds(row: ConversationView, now: number): number | null {
  const inbound = row.metrics?.lastInboundAt;
  if (!inbound || row.status === 'resolved' || row.status === 'closed') return null;
  const outbound = row.metrics?.lastOutboundAt;
  if (outbound && outbound >= inbound) return null;
  return Math.max(0, (now - Date.parse(inbound)) / 1000);
}
