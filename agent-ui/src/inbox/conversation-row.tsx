import { memo } from 'react';
import { useI18n } from '../i18n/i18n';
import { channelIcons } from '../i18n/enums';
import type { ChannelKind, ConversationView } from '../lib/api-types';
import { withMentionNames } from '../../../server/modules/mentions/mention-tokens';
import { waitingSeconds } from './inbox-filters';

/** One inbox row: who, channel, preview, time, waiting, SLA countdown, assignee, unread mark. */
export const ConversationRow = memo(function ConversationRow(props: {
  row: ConversationView;
  now: number;
  unread: boolean;
  selected: boolean;
  highlighted: boolean;
  assigneeName: string;
  onOpen: (row: ConversationView) => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const { row, now } = props;
  const waiting = waitingSeconds(row, now);
  const dueAt = row.sla?.nextDueAt ? Date.parse(row.sla.nextDueAt) : null;
  const paused = Boolean(row.sla?.pausedAt);
  const left = dueAt === null ? null : (dueAt - now) / 1000;
  const preview = row.lastMessage;
  const icon = channelIcons[row.channel as ChannelKind] ?? '•';
  return (
    <li>
      <button
        type="button"
        className={[
          'row',
          `cat-${row.category}`,
          `pri-${row.priority}`,
          props.selected ? 'selected' : '',
          props.highlighted ? 'highlighted' : '',
          props.unread ? 'unread' : '',
        ].join(' ')}
        data-conversation-id={row.id}
        data-number={row.number}
        aria-current={props.selected ? 'true' : undefined}
        onClick={() => props.onOpen(row)}
      >
        <span className="row-top">
          {props.unread && (
            <span className="dot" role="img" aria-label={t('unread')}>
              ●
            </span>
          )}
          <span
            className="ch"
            role="img"
            aria-label={i18n.channel(row.channel)}
            title={i18n.channel(row.channel)}
          >
            {icon}
          </span>
          <strong className="who">{row.contact.name ?? t('customer')}</strong>
          <span className="num">#{row.number}</span>
          <time className="when" dateTime={row.lastMessageAt}>
            {i18n.when(row.lastMessageAt)}
          </time>
        </span>
        <span className="preview">
          {preview
            ? `${preview.kind === 'note' ? `${i18n.kind('note')}: ` : preview.direction === 'outbound' ? '↩ ' : ''}${preview.kind === 'note' ? withMentionNames(preview.text) : preview.text}`
            : (row.subject ?? '')}
        </span>
        <span className="row-tags">
          <span className={`badge st-${row.status}`}>{i18n.status(row.status)}</span>
          {row.priority !== 'normal' && (
            <span className={`badge pri-${row.priority}`}>{i18n.priority(row.priority)}</span>
          )}
          <span className="badge">{i18n.category(row.category)}</span>
          {waiting !== null && (
            <span className="badge waiting" title={t('waiting')}>
              {t('waiting')} {i18n.duration(waiting)}
            </span>
          )}
          {left !== null && (
            <span
              className={`badge sla ${paused ? 'paused' : left <= 0 ? 'breached' : left < 3600 ? 'soon' : ''}`}
              data-testid="row-sla"
            >
              SLA{' '}
              {paused
                ? t('paused')
                : left <= 0
                  ? `${t('overdue')} ${i18n.duration(-left)}`
                  : `${t('dueIn')} ${i18n.duration(left)}`}
            </span>
          )}
          <span className="assignee">{row.assigneeId ? props.assigneeName : t('unassigned')}</span>
        </span>
      </button>
    </li>
  );
});
