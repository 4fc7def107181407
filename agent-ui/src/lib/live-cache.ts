/**
 * Live events → the TanStack Query cache, in one place: a new message moves its row to the top with the
 * new preview at once (no refetch on the hot path), timelines get the message, delivery statuses and
 * later changes (transcriptions, fetched attachments); events that can move a conversation between views
 * (assignment, status, SLA) refetch the lists, debounced so a burst costs one request per list.
 */
import { useQueryClient, type InfiniteData, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type {
  ConversationDetail,
  ConversationSummary,
  ConversationView,
  DeliveryStatus,
  Page,
  TimelineMessage,
} from './api-types';
import type { SocketClient } from './socket-client';

type ListData = InfiniteData<Page<ConversationView>, string | undefined>;
type TimelineData = { items: TimelineMessage[]; hasMore: boolean };

export const keys = {
  lists: ['conversations'] as const,
  detail: (id: string) => ['conversation', id] as const,
  timeline: (id: string) => ['timeline', id] as const,
  live: ['routing-live'] as const,
  atRisk: ['at-risk'] as const,
};

function byTimeline(a: TimelineMessage, b: TimelineMessage): number {
  return a.occurredAt === b.occurredAt ? a.seq - b.seq : a.occurredAt < b.occurredAt ? -1 : 1;
}

/** Adds or replaces a message in a cached timeline (kept in timeline order). */
const STATUS_RANK: Partial<Record<string, number>> & Record<DeliveryStatus, number> = {
  queued: 0,
  sent: 1,
  failed: 2,
  delivered: 3,
  read: 4,
};

/**
 * Puts a message into its conversation's cached timeline. A socket event is the server's latest word; an
 * HTTP answer (`reply`, `retry`) is a snapshot from when the request ran, and the socket's
 * `message:status` may have arrived before it: a reply's answer never moves the status back, and a
 * retry's answer replaces only the failure it retried.
 */
export function upsertTimeline(
  client: QueryClient,
  message: TimelineMessage,
  snapshot?: 'reply' | 'retry',
): void {
  client.setQueryData<TimelineData>(keys.timeline(message.conversationId), (data) => {
    if (!data) return data;
    const existing = data.items.find((m) => m.id === message.id);
    let merged = existing ? { ...existing, ...message } : message;
    if (snapshot && existing?.status && message.status) {
      const keep =
        snapshot === 'retry'
          ? existing.status !== 'failed'
          : (STATUS_RANK[existing.status] ?? 0) > (STATUS_RANK[message.status] ?? 0);
      if (keep) merged = { ...merged, status: existing.status, error: existing.error ?? null };
    }
    return { ...data, items: [...data.items.filter((m) => m.id !== message.id), merged].sort(byTimeline) };
  });
}

function mapLists(client: QueryClient, update: (row: ConversationView) => ConversationView | null): boolean {
  let found = false;
  client.setQueriesData<ListData>({ queryKey: keys.lists }, (data) => {
    if (!data) return data;
    let changed = false;
    const pages = data.pages.map((page) => {
      const items = page.items.map((row) => {
        const next = update(row);
        if (!next) return row;
        changed = found = true;
        return next;
      });
      return changed ? { ...page, items } : page;
    });
    return changed ? { ...data, pages } : data;
  });
  return found;
}

/** Moves a conversation's row to the top of every cached list that holds it. */
function bumpToTop(client: QueryClient, conversationId: string): void {
  client.setQueriesData<ListData>({ queryKey: keys.lists }, (data) => {
    if (!data) return data;
    const row = data.pages.flatMap((p) => p.items).find((r) => r.id === conversationId);
    if (!row) return data;
    const pages = data.pages.map((page, index) => ({
      ...page,
      items: [...(index === 0 ? [row] : []), ...page.items.filter((r) => r.id !== conversationId)],
    }));
    return { ...data, pages };
  });
}

function mergeSummary(client: QueryClient, summary: ConversationSummary): void {
  mapLists(client, (row) =>
    row.id === summary.id ? { ...row, ...summary, contact: { ...row.contact, ...summary.contact } } : null,
  );
  client.setQueryData<ConversationDetail>(keys.detail(summary.id), (detail) =>
    detail ? { ...detail, ...summary, contact: { ...detail.contact, ...summary.contact } } : detail,
  );
}

/** Keeps the query cache live while the workspace is mounted. */
export function useLiveCache(socket: SocketClient): void {
  const client = useQueryClient();
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const refetchLists = () => {
      timer ??= setTimeout(() => {
        timer = null;
        void client.invalidateQueries({ queryKey: keys.lists });
      }, 400);
    };
    const refetchSupervisor = () => {
      void client.invalidateQueries({ queryKey: keys.atRisk });
      void client.invalidateQueries({ queryKey: keys.live });
    };
    const unsubscribes = [
      socket.on('message:new', ({ message }) => {
        const found = mapLists(client, (row) =>
          row.id === message.conversationId
            ? {
                ...row,
                lastMessageAt: message.occurredAt,
                lastMessage: {
                  direction: message.direction,
                  kind: message.kind,
                  channel: message.channel,
                  text: (message.text ?? '').slice(0, 160),
                  occurredAt: message.occurredAt,
                },
                metrics:
                  message.direction === 'inbound'
                    ? { ...row.metrics, lastInboundAt: message.occurredAt }
                    : message.direction === 'outbound'
                      ? { ...row.metrics, lastOutboundAt: message.occurredAt }
                      : row.metrics,
              }
            : null,
        );
        if (found) bumpToTop(client, message.conversationId);
        else refetchLists();
        upsertTimeline(client, message);
      }),
      socket.on('message:updated', ({ message }) => {
        upsertTimeline(client, message);
        void client.invalidateQueries({ queryKey: keys.timeline(message.conversationId) });
      }),
      socket.on('message:status', (payload) => {
        client.setQueryData<TimelineData>(keys.timeline(payload.conversationId), (data) =>
          data
            ? {
                ...data,
                items: data.items.map((m) =>
                  m.id === payload.messageId
                    ? {
                        ...m,
                        status: payload.status,
                        ...(payload.error ? { error: { code: 'SEND_FAILED', message: payload.error } } : {}),
                        ...(payload.status !== 'failed' ? { error: null } : {}),
                      }
                    : m,
                ),
              }
            : data,
        );
      }),
      socket.on('conversation:updated', ({ conversation }) => {
        mergeSummary(client, conversation);
        refetchLists();
      }),
      socket.on('conversation:assigned', ({ conversation }) => {
        mergeSummary(client, conversation);
        refetchLists();
        refetchSupervisor();
      }),
      socket.on('sla:warning', ({ conversationId }) => {
        refetchSupervisor();
        refetchLists();
        void client.invalidateQueries({ queryKey: keys.detail(conversationId) });
      }),
      socket.on('sla:breached', ({ conversationId }) => {
        refetchSupervisor();
        refetchLists();
        void client.invalidateQueries({ queryKey: keys.detail(conversationId) });
      }),
      socket.on('queue:updated', () => void client.invalidateQueries({ queryKey: keys.live })),
      socket.on('agent:updated', () => void client.invalidateQueries({ queryKey: keys.live })),
    ];
    return () => {
      unsubscribes.forEach((off) => off());
      if (timer) clearTimeout(timer);
    };
  }, [client, socket]);
}
