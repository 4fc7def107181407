import { useCallback, useEffect, useState } from 'react';
import { api } from '../api';
import type { T } from '../i18n';
import { useLiveEvents } from '../live';
import type { ConversationSummary, Page } from '../types';

const STATUSES = ['', 'new', 'open', 'pending', 'snoozed', 'resolved', 'closed'] as const;

export function ConversationList(props: { t: T; selectedId: string | null; onSelect: (id: string) => void }) {
  const { t } = props;
  const [status, setStatus] = useState('');
  const [q, setQ] = useState('');
  const [items, setItems] = useState<ConversationSummary[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(
    async (cursor?: string) => {
      const params = new URLSearchParams({ limit: '30' });
      if (status) params.set('status', status);
      if (q.trim()) params.set('q', q.trim());
      if (cursor) params.set('cursor', cursor);
      try {
        const page = await api<Page<ConversationSummary>>('GET', `/api/conversations?${params}`);
        setItems((prev) => (cursor ? [...prev, ...page.items] : page.items));
        setNextCursor(page.nextCursor ?? null);
        setError(null);
      } catch (err) {
        setError((err as Error).message);
      }
    },
    [status, q],
  );

  useEffect(() => {
    const timer = setTimeout(() => void load(), 250);
    return () => clearTimeout(timer);
  }, [load]);

  useLiveEvents((name, payload) => {
    if (name === 'conversation:updated' || name === 'conversation:assigned') {
      const conversation = (payload as { conversation: ConversationSummary }).conversation;
      setItems((prev) => {
        const rest = prev.filter((c) => c.id !== conversation.id);
        if (status && conversation.status !== status) return rest;
        return [conversation, ...rest];
      });
    }
  });

  return (
    <section className="list" aria-label="conversations">
      <div className="filters">
        <input
          type="search"
          placeholder={t('search')}
          value={q}
          onChange={(e) => setQ(e.target.value)}
          aria-label="search"
        />
        <select value={status} onChange={(e) => setStatus(e.target.value)} aria-label="status filter">
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s || t('allStatuses')}
            </option>
          ))}
        </select>
      </div>
      {error && <p className="error">{error}</p>}
      {items.length === 0 && !error && <p className="empty">{t('noConversations')}</p>}
      <ul>
        {items.map((c) => (
          <li key={c.id}>
            <button
              className={`row ${c.id === props.selectedId ? 'selected' : ''} cat-${c.category}`}
              onClick={() => props.onSelect(c.id)}
              data-conversation-id={c.id}
            >
              <span className="num">#{c.number}</span>
              <span className="who">{c.contact.name ?? t('customer')}</span>
              <span className={`badge ch-${c.channel}`}>{c.channel}</span>
              <span className={`badge st-${c.status}`}>{c.status}</span>
              {c.priority !== 'normal' && <span className={`badge pr-${c.priority}`}>{c.priority}</span>}
              <span className="subject">{c.subject ?? ''}</span>
            </button>
          </li>
        ))}
      </ul>
      {nextCursor && (
        <button className="more" onClick={() => void load(nextCursor)}>
          {t('loadMore')}
        </button>
      )}
    </section>
  );
}
