/**
 * Staff notices (an automation's `notify`, `notification:new`), in the page flow above the screens like the
 * offers tray: each with its conversation and a dismiss button; new task announcements refresh the lists.
 */
import { useState } from 'react';
import { Link } from 'react-router';
import { useI18n } from '../i18n/i18n';
import type { EventPayload } from '../lib/socket-client';
import { useSocketEvent } from '../lib/workspace';

type Notice = EventPayload<'notification:new'>;

export function NoticesTray() {
  const { t } = useI18n();
  const [notices, setNotices] = useState<Notice[]>([]);
  useSocketEvent('notification:new', (notice) =>
    setNotices((current) =>
      current.some((n) => n.eventId === notice.eventId) ? current : [notice, ...current].slice(0, 5),
    ),
  );
  if (notices.length === 0) return null;
  const dismiss = (eventId: string) => setNotices((current) => current.filter((n) => n.eventId !== eventId));
  return (
    <aside className="offers notices" aria-label={t('notices')} data-testid="notices-tray">
      <div className="offer-cards">
        {notices.map((notice) => (
          <div key={notice.eventId} className="offer" data-testid="notice">
            <strong>{notice.text}</strong>{' '}
            {notice.conversationId && (
              <Link to={`/conversations/${notice.conversationNumber ?? notice.conversationId}`}>
                {notice.conversationNumber ? `#${notice.conversationNumber}` : t('taskOpenConversation')}
              </Link>
            )}{' '}
            <button type="button" onClick={() => dismiss(notice.eventId)}>
              {t('noticeDismiss')}
            </button>
          </div>
        ))}
      </div>
    </aside>
  );
}
