import { memo } from 'react';
import { useI18n } from '../i18n/i18n';
import { channelIcons } from '../i18n/enums';
import type { ChannelKind, ConversationView } from '../lib/api-types';
import { withMentionNames } from '../../../server/modules/mentions/mention-tokens';
import { waitingSeconds } from './inbox-filters';
import { useClockValue } from './row-clock';

type SlaState = 'paused' | 'breached' | 'soon' | 'due';

/** The row's SLA clock at `now`: its state and the seconds left (negative once overdue). */
function slaAt(row: ConversationView, now: number): { state: SlaState; left: number } | null {
  const dueAt = row.sla?.nextDueAt ? Date.parse(row.sla.nextDueAt) : null;
  if (dueAt === null) return null;
  const left = (dueAt - now) / 1000;
  if (row.sla?.pausedAt) return { state: 'paused', left };
  return { state: left <= 0 ? 'breached' : left < 3600 ? 'soon' : 'due', left };
}

/**
 * The row's waiting time and SLA countdown, on the shared clock: this part re-renders when its text
 * changes, the rest of the row only when the conversation does.
 */
function RowClocks(props: { row: ConversationView }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { row } = props;
  const waiting = useClockValue((now) => {
    const seconds = waitingSeconds(row, now);
    return seconds === null ? null : i18n.duration(seconds);
  });
  const slaState = useClockValue((now) => slaAt(row, now)?.state ?? null);
  const slaText = useClockValue((now) => {
    const sla = slaAt(row, now);
    if (!sla) return null;
    if (sla.state === 'paused') return t('paused');
    return sla.left <= 0
      ? `${t('overdue')} ${i18n.duration(-sla.left)}`
      : `${t('dueIn')} ${i18n.duration(sla.left)}`;
  });
  return (
    <>
      {waiting !== null && (
        <span className="badge waiting" title={t('waiting')}>
          {t('waiting')} {waiting}
        </span>
      )}
      {slaState !== null && (
        <span className={`badge sla ${slaState === 'due' ? '' : slaState}`} data-testid="row-sla">
          SLA {slaText}
        </span>
      )}
    </>
  );
}

/**
 * One inbox row: who, channel, preview, time, waiting, SLA countdown, assignee, unread mark. Memoized:
 * the list passes stable props, so a live update re-renders only the rows whose conversation changed.
 */
export const ConversationRow = memo(function ConversationRow(props: {
  row: ConversationView;
  unread: boolean;
  selected: boolean;
  highlighted: boolean;
  assigneeName: string;
  onOpen: (row: ConversationView) => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const { row } = props;
  const preview = row.lastMessage;
  const icon = channelIcons[row.channel as ChannelKind] ?? '•';
  return (
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
        <RowClocks row={row} />
        <span className="assignee">{row.assigneeId ? props.assigneeName : t('unassigned')}</span>
      </span>
    </button>
  );
});
