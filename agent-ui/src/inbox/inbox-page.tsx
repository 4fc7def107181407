/**
 * The inbox: views and filters on the left, the open conversation (deep link `/conversations/:ref`, by
 * number or id) on the right. Keyboard: j/k move, Enter opens, `/` searches.
 *
 * The list is virtualized (TanStack Virtual): only the rows in view, and a few either side, are in the
 * DOM, each measured for its own height; every loaded row keeps its place in the list for assistive
 * technology through aria-setsize / aria-posinset. Rows are keyed by conversation, memoized, and keep
 * their own clocks (row-clock.ts), so a live update or a clock tick costs the rows it changes.
 */
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { ConversationPane } from '../conversation/conversation-pane';
import { CATEGORY_VALUES, PRIORITY_VALUES, STATUS_VALUES } from '../i18n/enums';
import { useI18n } from '../i18n/i18n';
import { CHANNEL_KINDS } from '../../../connectors/channel';
import { apiClient } from '../lib/api-client';
import type { ConversationView } from '../lib/api-types';
import { keys } from '../lib/live-cache';
import { storedValue, storeValue } from '../lib/session';
import { useSeen } from '../lib/unread';
import { useWorkspace } from '../lib/workspace';
import { ConversationRow } from './conversation-row';
import { useClockValue } from './row-clock';
import {
  arrangeRows,
  DEFAULT_FILTERS,
  defaultView,
  toQuery,
  type InboxFilters,
  type InboxView,
} from './inbox-filters';

const PAGE_SIZE = 50;
/** A row's height before it is measured (a row with one line of badges). */
const ESTIMATED_ROW_PX = 78;

/** `10234`, `#10234` → the id of that conversation (a 24-hex ref is already an id). */
function useConversationId(ref: string | undefined) {
  const isId = Boolean(ref && /^[0-9a-f]{24}$/i.test(ref));
  const number = ref && !isId ? Number(ref.replace(/^#/, '')) : NaN;
  const lookup = useQuery({
    queryKey: ['conversation-number', number],
    enabled: Number.isInteger(number) && number > 0,
    queryFn: async () => {
      const page = await apiClient.conversations.list({ q: String(number), limit: 10 });
      return page.items.find((c) => c.number === number)?.id ?? null;
    },
  });
  if (!ref) return { id: null, missing: false };
  if (isId) return { id: ref, missing: false };
  return { id: lookup.data ?? null, missing: lookup.isSuccess && !lookup.data };
}

export function InboxPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const workspace = useWorkspace();
  const navigate = useNavigate();
  const { ref } = useParams();
  const { id: openId, missing } = useConversationId(ref);
  // The view starts where this person left it; the first time, by role (agents their own work,
  // supervisors and admins everything: they take no work by default, so "Mine" would be empty).
  const [filters, setFilters] = useState<InboxFilters>(() => ({
    ...DEFAULT_FILTERS,
    view: defaultView(workspace.session.agent.role),
    ...storedValue<Partial<InboxFilters>>('inbox.filters', {}),
  }));
  const [searchText, setSearchText] = useState(filters.q);
  // The keyboard's row, by conversation: a live update that reorders the list does not move it.
  const [highlightId, setHighlightId] = useState<string | null>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const seen = useSeen();

  const views: InboxView[] = workspace.isSupervisor
    ? ['mine', 'unassigned', 'teams', 'all']
    : ['mine', 'unassigned', 'teams'];
  const view = views.includes(filters.view) ? filters.view : defaultView(workspace.session.agent.role);
  const update = (patch: Partial<InboxFilters>) =>
    setFilters((prev) => {
      const next = { ...prev, ...patch };
      storeValue('inbox.filters', next);
      return next;
    });

  // Search as the agent types, without a request per keystroke.
  useEffect(() => {
    const timer = setTimeout(() => {
      if (searchText !== filters.q) update({ q: searchText });
    }, 300);
    return () => clearTimeout(timer);
  });

  // Only the "SLA due soon / breached" filters depend on the time (to the minute); otherwise the page
  // does not follow the clock at all.
  const minute = useClockValue((now) => (filters.sla ? Math.floor(now / 60_000) * 60_000 : 0));
  const query = toQuery({ ...filters, view }, minute);
  const list = useInfiniteQuery({
    queryKey: [...keys.lists, query],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      apiClient.conversations.list({
        ...query,
        limit: PAGE_SIZE,
        ...(pageParam ? { cursor: pageParam } : {}),
      }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = useMemo(
    () => arrangeRows(list.data?.pages.flatMap((p) => p.items) ?? [], filters),
    [list.data, filters],
  );

  const highlight = useMemo(
    () => Math.max(0, highlightId ? rows.findIndex((r) => r.id === highlightId) : 0),
    [rows, highlightId],
  );

  const getItemKey = useCallback((index: number) => rows[index]?.id ?? index, [rows]);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ESTIMATED_ROW_PX,
    getItemKey,
    overscan: 6,
  });
  const virtualRows = virtualizer.getVirtualItems();

  // Another view, filter or order starts at the top of its list.
  const listIdentity = JSON.stringify([query, filters.sort, filters.tag]);
  useEffect(() => {
    virtualizer.scrollToOffset(0);
  }, [listIdentity, virtualizer]);

  // Scrolling near the end of what is loaded loads the next page (only once the agent has scrolled: a
  // short list, e.g. after the tag filter, waits for "Load more" rather than fetching page after page).
  const lastShown = virtualRows.at(-1)?.index ?? -1;
  const scrolled = (virtualizer.scrollOffset ?? 0) > 0;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = list;
  useEffect(() => {
    if (scrolled && hasNextPage && !isFetchingNextPage && lastShown >= rows.length - 5) void fetchNextPage();
  }, [scrolled, hasNextPage, isFetchingNextPage, fetchNextPage, lastShown, rows.length]);

  // Stable, so a live update re-renders only the rows that changed (the rows are memoized).
  const open = useCallback(
    (row: ConversationView) => {
      setHighlightId(row.id);
      void navigate(`/conversations/${row.number}`);
    },
    [navigate],
  );

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === 'j' || event.key === 'k') {
        event.preventDefault();
        const next = Math.max(0, Math.min(rows.length - 1, highlight + (event.key === 'j' ? 1 : -1)));
        const row = rows[next];
        if (!row) return;
        setHighlightId(row.id);
        virtualizer.scrollToIndex(next, { align: 'auto' });
      } else if (event.key === 'Enter' && target?.tagName !== 'BUTTON' && rows[highlight]) {
        event.preventDefault();
        open(rows[highlight]);
      } else if (event.key === '/') {
        event.preventDefault();
        searchRef.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const viewLabel: Record<InboxView, string> = {
    mine: t('viewMine'),
    unassigned: t('viewUnassigned'),
    teams: t('viewTeams'),
    all: t('viewAll'),
  };

  return (
    <main className={`inbox ${openId ? 'has-open' : ''}`}>
      <section className="list" aria-label={t('inbox')}>
        <div className="views" role="tablist" aria-label={t('views')}>
          {views.map((v) => (
            <button
              key={v}
              type="button"
              role="tab"
              aria-selected={view === v}
              className={view === v ? 'on' : ''}
              onClick={() => update({ view: v, assignee: '' })}
            >
              {viewLabel[v]}
            </button>
          ))}
        </div>
        <div className="filters">
          <input
            ref={searchRef}
            type="search"
            value={searchText}
            placeholder={t('search')}
            aria-label={t('search')}
            onChange={(e) => setSearchText(e.target.value)}
          />
          <details>
            <summary>{t('filters')}</summary>
            <div className="filter-grid">
              <label>
                {t('status')}
                <select
                  aria-label={t('status')}
                  value={filters.status}
                  onChange={(e) => update({ status: e.target.value })}
                >
                  <option value="active">{t('active')}</option>
                  <option value="">{t('allStatuses')}</option>
                  {STATUS_VALUES.map((s) => (
                    <option key={s} value={s}>
                      {i18n.status(s)}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                {t('channel')}
                <select
                  aria-label={t('channel')}
                  value={filters.channel}
                  onChange={(e) => update({ channel: CHANNEL_KINDS.find((c) => c === e.target.value) ?? '' })}
                >
                  <option value="">{t('anyChannel')}</option>
                  {CHANNEL_KINDS.map((c) => (
                    <option key={c} value={c}>
                      {i18n.channel(c)}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                {t('priority')}
                <select
                  aria-label={t('priority')}
                  value={filters.priority}
                  onChange={(e) =>
                    update({ priority: PRIORITY_VALUES.find((p) => p === e.target.value) ?? '' })
                  }
                >
                  <option value="">{t('anyPriority')}</option>
                  {PRIORITY_VALUES.map((p) => (
                    <option key={p} value={p}>
                      {i18n.priority(p)}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                {t('category')}
                <select
                  aria-label={t('category')}
                  value={filters.category}
                  onChange={(e) =>
                    update({ category: CATEGORY_VALUES.find((c) => c === e.target.value) ?? '' })
                  }
                >
                  <option value="">{t('anyCategory')}</option>
                  {CATEGORY_VALUES.map((c) => (
                    <option key={c} value={c}>
                      {i18n.category(c)}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                SLA
                <select
                  aria-label={'SLA'}
                  value={filters.sla}
                  onChange={(e) =>
                    update({
                      sla:
                        e.target.value === 'soon' ? 'soon' : e.target.value === 'breached' ? 'breached' : '',
                    })
                  }
                >
                  <option value="">{t('slaAny')}</option>
                  <option value="soon">{t('slaSoon')}</option>
                  <option value="breached">{t('slaBreached')}</option>
                </select>
              </label>
              <label>
                {t('tagFilter')}
                <input value={filters.tag} onChange={(e) => update({ tag: e.target.value })} />
              </label>
              {(view === 'teams' || view === 'all') && (
                <label>
                  {t('assignee')}
                  <select
                    aria-label={t('assignee')}
                    value={filters.assignee}
                    onChange={(e) => update({ assignee: e.target.value })}
                  >
                    <option value="">{t('anyAssignee')}</option>
                    <option value="none">{t('unassigned')}</option>
                    {workspace.agents.map((a) => (
                      <option key={a.id} value={a.id}>
                        {a.name}
                      </option>
                    ))}
                  </select>
                </label>
              )}
              <label>
                {t('sort')}
                <select
                  aria-label={t('sort')}
                  value={filters.sort}
                  onChange={(e) =>
                    update({
                      sort:
                        e.target.value === 'oldest' ||
                        e.target.value === 'due' ||
                        e.target.value === 'priority'
                          ? e.target.value
                          : 'newest',
                    })
                  }
                >
                  <option value="newest">{t('sortNewest')}</option>
                  <option value="oldest">{t('sortOldest')}</option>
                  <option value="due">{t('sortDue')}</option>
                  <option value="priority">{t('sortPriority')}</option>
                </select>
              </label>
            </div>
          </details>
        </div>
        {list.isError && (
          <p className="error" role="alert">
            {i18n.error(list.error)}
          </p>
        )}
        {list.isSuccess && rows.length === 0 && <p className="empty">{t('noConversations')}</p>}
        {list.isPending && <p className="empty">{t('loading')}</p>}
        <div ref={scrollRef} className="rows-scroll" data-testid="conversation-scroll">
          <ul
            className="rows"
            role="list"
            aria-label={viewLabel[view]}
            data-testid="conversation-list"
            data-view={view}
            data-count={rows.length}
            style={{ height: virtualizer.getTotalSize() }}
          >
            {virtualRows.map((item) => {
              const row = rows[item.index]!;
              return (
                <li
                  key={item.key}
                  ref={virtualizer.measureElement}
                  data-index={item.index}
                  aria-setsize={rows.length}
                  aria-posinset={item.index + 1}
                  style={{ transform: `translateY(${item.start}px)` }}
                >
                  <ConversationRow
                    row={row}
                    unread={
                      row.id !== openId &&
                      row.lastMessage?.direction === 'inbound' &&
                      (seen[row.id] ?? '') < (row.lastMessageAt ?? '')
                    }
                    selected={row.id === openId}
                    highlighted={item.index === highlight}
                    assigneeName={workspace.agentName(row.assigneeId)}
                    onOpen={open}
                  />
                </li>
              );
            })}
          </ul>
        </div>
        {list.hasNextPage && (
          <button
            type="button"
            className="more"
            disabled={list.isFetchingNextPage}
            onClick={() => void list.fetchNextPage()}
          >
            {t('loadMore')}
          </button>
        )}
      </section>
      {openId ? (
        <ConversationPane key={openId} conversationId={openId} />
      ) : (
        <section className="detail empty">{missing ? t('notFound') : t('selectConversation')}</section>
      )}
    </main>
  );
}
