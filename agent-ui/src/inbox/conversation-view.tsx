import { useCallback, useEffect, useState } from 'react';
import { api } from '../api';
import type { T } from '../i18n';
import { useLiveEvents } from '../live';
import type {
  ConversationDetail,
  ConversationSummary,
  MessageSummary,
  Page,
  TimelineMessage,
} from '../types';
import { Composer } from './composer';

const STATUSES = ['open', 'pending', 'snoozed', 'resolved', 'closed'] as const;
const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
const CATEGORIES = ['complaint', 'inquiry', 'suggestion', 'praise', 'other'] as const;

function byTimeline(a: MessageSummary, b: MessageSummary): number {
  return a.occurredAt === b.occurredAt ? a.seq - b.seq : a.occurredAt < b.occurredAt ? -1 : 1;
}

export function ConversationView(props: { t: T; conversationId: string }) {
  const { t, conversationId } = props;
  const [conversation, setConversation] = useState<ConversationDetail | null>(null);
  const [messages, setMessages] = useState<TimelineMessage[]>([]);
  const [error, setError] = useState<string | null>(null);

  const upsert = useCallback((message: TimelineMessage) => {
    setMessages((prev) => [...prev.filter((m) => m.id !== message.id), message].sort(byTimeline));
  }, []);

  useEffect(() => {
    let cancelled = false;
    setConversation(null);
    setMessages([]);
    void (async () => {
      try {
        const [detail, timeline] = await Promise.all([
          api<ConversationDetail>('GET', `/api/conversations/${conversationId}`),
          api<Page<TimelineMessage>>('GET', `/api/conversations/${conversationId}/timeline?limit=100`),
        ]);
        if (cancelled) return;
        setConversation(detail);
        setMessages([...timeline.items].sort(byTimeline));
        setError(null);
      } catch (err) {
        if (!cancelled) setError((err as Error).message);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [conversationId]);

  useLiveEvents((name, payload) => {
    if (name === 'message:new') {
      const { message } = payload as { message: TimelineMessage };
      if (message.conversationId === conversationId) upsert(message);
    } else if (name === 'message:status') {
      const p = payload as { messageId: string; status: TimelineMessage['status']; error?: string };
      setMessages((prev) => prev.map((m) => (m.id === p.messageId ? { ...m, status: p.status } : m)));
    } else if (name === 'conversation:updated' || name === 'conversation:assigned') {
      const { conversation: c } = payload as { conversation: ConversationSummary };
      if (c.id === conversationId)
        setConversation((prev) =>
          prev ? { ...prev, ...c, contact: { ...prev.contact, ...c.contact } } : prev,
        );
    }
  });

  const change = async (what: 'status' | 'priority' | 'category', value: string) => {
    try {
      await api('POST', `/api/conversations/${conversationId}/${what}`, { [what]: value });
      setConversation((prev) => (prev ? { ...prev, [what]: value } : prev));
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const retry = async (messageId: string) => {
    try {
      upsert(await api<TimelineMessage>('POST', `/api/messages/${messageId}/retry`));
    } catch (err) {
      setError((err as Error).message);
    }
  };

  if (error && !conversation) return <section className="detail error">{error}</section>;
  if (!conversation) return <section className="detail">…</section>;

  return (
    <section className="detail" aria-label="conversation">
      <header>
        <h2>
          #{conversation.number} {conversation.contact.name ?? t('customer')}
        </h2>
        <p className="subject">{conversation.subject}</p>
        <div className="controls">
          <Select
            label={t('status')}
            value={conversation.status}
            options={STATUSES}
            onChange={(v) => void change('status', v)}
          />
          <Select
            label={t('priority')}
            value={conversation.priority}
            options={PRIORITIES}
            onChange={(v) => void change('priority', v)}
          />
          <Select
            label={t('category')}
            value={conversation.category}
            options={CATEGORIES}
            onChange={(v) => void change('category', v)}
          />
        </div>
        {error && <p className="error">{error}</p>}
      </header>
      <ol className="timeline" aria-label="timeline">
        {messages.map((m) => (
          <li key={m.id} className={`msg ${m.direction} kind-${m.kind}`} data-message-id={m.id}>
            <div className="meta">
              <span className={`badge ch-${m.channel}`}>{m.channel}</span>
              <time>{new Date(m.occurredAt).toLocaleString()}</time>
              {m.status && <span className={`status st-${m.status}`}>{m.status}</span>}
              {m.isAutomated && <span className="badge">auto</span>}
            </div>
            {m.html ? (
              // Server-sanitized HTML, still shown in a sandbox with no scripts and no same-origin access.
              <iframe className="html" sandbox="" srcDoc={m.html} title={`message ${m.seq}`} />
            ) : (
              <p className="text">{m.text}</p>
            )}
            {m.call && (
              <p className="call">
                ☎ {m.call.status} {m.call.durationSec ? `${m.call.durationSec}s` : ''}{' '}
                {m.call.transcription ?? ''}
              </p>
            )}
            {m.status === 'failed' && (
              <p className="error">
                {t('failed')}: {m.error?.message}{' '}
                <button onClick={() => void retry(m.id)}>{t('retry')}</button>
              </p>
            )}
          </li>
        ))}
      </ol>
      <Composer t={t} conversationId={conversationId} channel={conversation.channel} onSent={upsert} />
    </section>
  );
}

function Select<V extends string>(props: {
  label: string;
  value: V;
  options: readonly V[];
  onChange: (v: V) => void;
}) {
  return (
    <label>
      {props.label}
      <select
        value={props.value}
        onChange={(e) => props.onChange(e.target.value as V)}
        aria-label={props.label}
      >
        {props.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}
