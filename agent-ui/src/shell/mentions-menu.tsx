/**
 * The top bar's mentions: a badge with the number of unread mentions (`/api/mentions`), a list that opens
 * each one's conversation (and marks it read), and a desktop notification when a new one arrives and the
 * browser allows notifications (the offers tray asks once).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { useI18n } from '../i18n/i18n';
import { apiClient } from '../lib/api-client';
import type { MentionSummary } from '../lib/api-types';
import { useSocketEvent, useWorkspace } from '../lib/workspace';

const KEY = ['mentions'] as const;

export function MentionsMenu() {
  const i18n = useI18n();
  const { t } = i18n;
  const { agentName } = useWorkspace();
  const client = useQueryClient();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const list = useQuery({ queryKey: KEY, queryFn: apiClient.mentions.list });
  const unread = list.data?.unread ?? 0;

  const openMention = (mention: MentionSummary) => {
    setOpen(false);
    void navigate(`/conversations/${mention.conversationNumber}`);
    if (!mention.readAt)
      void apiClient.mentions.read([mention.id]).then(() => client.invalidateQueries({ queryKey: KEY }));
  };

  useSocketEvent('mention:new', ({ mention }) => {
    void client.invalidateQueries({ queryKey: KEY });
    if (typeof Notification !== 'undefined' && Notification.permission === 'granted') {
      const who = agentName(mention.authorId) || t('system');
      const notification = new Notification(`${who} ${t('mentionedYou')} #${mention.conversationNumber}`, {
        body: mention.excerpt,
        tag: `mention-${mention.id}`,
      });
      notification.onclick = () => {
        window.focus();
        openMention(mention);
      };
    }
  });

  useEffect(() => {
    if (!open) return;
    const onClick = (event: MouseEvent) => {
      if (box.current && !box.current.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', onClick);
    return () => document.removeEventListener('mousedown', onClick);
  }, [open]);

  return (
    <div className="mentions-menu" ref={box}>
      <button
        type="button"
        aria-expanded={open}
        aria-label={`${t('mentions')} (${unread})`}
        onClick={() => setOpen((o) => !o)}
      >
        @{' '}
        {unread > 0 && (
          <span className="badge count" data-testid="mentions-unread">
            {unread}
          </span>
        )}
      </button>
      {open && (
        <div className="mentions-pop" role="dialog" aria-label={t('mentions')}>
          <div className="row-buttons">
            <strong>{t('mentions')}</strong>
            <span className="spacer" />
            {unread > 0 && (
              <button
                type="button"
                onClick={() =>
                  void apiClient.mentions.read().then(() => client.invalidateQueries({ queryKey: KEY }))
                }
              >
                {t('markAllRead')}
              </button>
            )}
          </div>
          {list.isError && <p className="error">{i18n.error(list.error)}</p>}
          {list.data?.items.length === 0 && <p className="muted">{t('noMentions')}</p>}
          <ul data-testid="mentions-list">
            {(list.data?.items ?? []).map((m) => (
              <li key={m.id} className={m.readAt ? '' : 'unread'}>
                <button type="button" className="link" onClick={() => openMention(m)}>
                  <strong>{agentName(m.authorId) || t('system')}</strong> {t('mentionedYou')} #
                  {m.conversationNumber} <time dateTime={m.createdAt}>{i18n.when(m.createdAt)}</time>
                  <span className="excerpt">{m.excerpt}</span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
