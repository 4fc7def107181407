/**
 * An open conversation: header (number, contact, status/priority/category, assignment controls, who else
 * is here), SLA clocks, the timeline, the composer and the contact sidebar. Alt+E resolves.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { ContactSidebar } from '../contact/contact-sidebar';
import { CATEGORY_VALUES, PRIORITY_VALUES, STATUS_VALUES } from '../i18n/enums';
import { useI18n } from '../i18n/i18n';
import { apiClient } from '../lib/api-client';
import type { Category, ConversationDetail, ConversationStatus, Priority } from '../lib/api-types';
import { keys } from '../lib/live-cache';
import { markSeen } from '../lib/unread';
import { useSocketEvent, useWorkspace } from '../lib/workspace';
import { AssignControls } from './assign-controls';
import { Composer } from './composer';
import { CustomerActivity } from './customer-activity';
import { SlaClocks } from './sla-clocks';
import { Timeline } from './timeline';

function useCollision(conversationId: string) {
  const { socket, session } = useWorkspace();
  const [viewers, setViewers] = useState<string[]>([]);
  const [typing, setTyping] = useState<Record<string, number>>({});
  useEffect(() => {
    socket.watch(conversationId);
    return () => socket.watch(null);
  }, [socket, conversationId]);
  useSocketEvent('conversation:viewers', (payload) => {
    if (payload.conversationId === conversationId)
      setViewers(payload.viewerIds.filter((id) => id !== session.agent.id));
  });
  useSocketEvent('conversation:typing', (payload) => {
    if (payload.conversationId === conversationId)
      setTyping((prev) => ({ ...prev, [payload.agentId]: Date.now() }));
  });
  useEffect(() => {
    const timer = setInterval(
      () =>
        setTyping((prev) => {
          const fresh = Object.entries(prev).filter(([, at]) => Date.now() - at < 5000);
          return fresh.length === Object.keys(prev).length ? prev : Object.fromEntries(fresh);
        }),
      1000,
    );
    return () => clearInterval(timer);
  }, []);
  return { viewers, typingIds: Object.keys(typing) };
}

export function ConversationPane(props: { conversationId: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const workspace = useWorkspace();
  const client = useQueryClient();
  const { conversationId } = props;
  const detail = useQuery({
    queryKey: keys.detail(conversationId),
    queryFn: () => apiClient.conversations.get(conversationId),
  });
  const timeline = useQuery({
    queryKey: keys.timeline(conversationId),
    queryFn: () => apiClient.conversations.timeline(conversationId),
  });
  const [error, setError] = useState<string | null>(null);
  const { viewers, typingIds } = useCollision(conversationId);
  const conversation = detail.data;

  useEffect(() => {
    if (conversation) markSeen(conversation.id, conversation.lastMessageAt);
  }, [conversation]);

  const apply = async (task: () => Promise<unknown>) => {
    setError(null);
    try {
      await task();
      await client.invalidateQueries({ queryKey: keys.detail(conversationId) });
      await client.invalidateQueries({ queryKey: keys.lists });
    } catch (err) {
      setError(i18n.error(err));
    }
  };

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.altKey && (event.key === 'e' || event.key === 'E' || event.code === 'KeyE')) {
        event.preventDefault();
        void apply(() => apiClient.conversations.setStatus(conversationId, 'resolved'));
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  if (detail.isError) {
    return (
      <section className="detail error" role="alert">
        {i18n.error(detail.error)}
      </section>
    );
  }
  if (!conversation) return <section className="detail">{t('loading')}</section>;

  const contactName = conversation.contact.name ?? t('customer');
  const patch = (changes: Partial<ConversationDetail>) =>
    client.setQueryData<ConversationDetail>(keys.detail(conversationId), (prev) =>
      prev ? { ...prev, ...changes } : prev,
    );

  return (
    <div className="conversation-layout">
      <section className="detail" aria-label={`#${conversation.number}`}>
        <header className="conv-head">
          <div className="title-line">
            <h2>
              #{conversation.number} · {contactName}
            </h2>
            <span className="channel-name">{i18n.channel(conversation.channel)}</span>
            {conversation.subject && <span className="subject">{conversation.subject}</span>}
          </div>
          <div className="controls">
            <label>
              {t('status')}
              <select
                aria-label={t('status')}
                value={conversation.status}
                onChange={(e) => {
                  const status = STATUS_VALUES.find((s) => s === e.target.value);
                  if (!status || status === 'new') return;
                  patch({ status });
                  void apply(() => apiClient.conversations.setStatus(conversationId, status));
                }}
              >
                {STATUS_VALUES.map((s: ConversationStatus) => (
                  <option key={s} value={s} disabled={s === 'new'}>
                    {i18n.status(s)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('priority')}
              <select
                aria-label={t('priority')}
                value={conversation.priority}
                onChange={(e) => {
                  const priority = PRIORITY_VALUES.find((p) => p === e.target.value);
                  if (!priority) return;
                  patch({ priority });
                  void apply(() => apiClient.conversations.setPriority(conversationId, priority));
                }}
              >
                {PRIORITY_VALUES.map((p: Priority) => (
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
                value={conversation.category}
                onChange={(e) => {
                  const category = CATEGORY_VALUES.find((c) => c === e.target.value);
                  if (!category) return;
                  patch({ category });
                  void apply(() => apiClient.conversations.setCategory(conversationId, category));
                }}
              >
                {CATEGORY_VALUES.map((c: Category) => (
                  <option key={c} value={c}>
                    {i18n.category(c)}
                  </option>
                ))}
              </select>
            </label>
            <button
              type="button"
              title="Alt+E"
              disabled={conversation.status === 'resolved' || conversation.status === 'closed'}
              onClick={() => void apply(() => apiClient.conversations.setStatus(conversationId, 'resolved'))}
            >
              ✓ {t('resolve')}
            </button>
          </div>
          <AssignControls conversation={conversation} onApply={apply} />
          {(viewers.length > 0 || typingIds.length > 0) && (
            <p className="collision" role="status" data-testid="collision">
              {t('alsoViewing')}: {viewers.map((id) => workspace.agentName(id) || '…').join(', ')}
              {typingIds.map((id) => (
                <span key={id} className="typing">
                  {' '}
                  · {workspace.agentName(id)} {t('isTyping')}
                </span>
              ))}
            </p>
          )}
          <SlaClocks conversation={conversation} />
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
        </header>
        {timeline.isError && (
          <p className="error" role="alert">
            {i18n.error(timeline.error)}
          </p>
        )}
        <Timeline messages={timeline.data?.items ?? []} contactName={contactName} />
        <CustomerActivity conversationId={conversationId} messages={timeline.data?.items ?? []} />
        <Composer key={conversation.id} conversation={conversation} />
      </section>
      <ContactSidebar conversation={conversation} />
    </div>
  );
}
