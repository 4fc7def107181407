/**
 * One timeline across channels: customer messages, replies with their delivery status (a failed send
 * shows its reason and a retry that works), internal notes, calls and voicemails with recording and
 * transcription, and system entries (assignment, transfer, status, SLA warnings and breaches).
 */
import { useQueryClient } from '@tanstack/react-query';
import { memo, useEffect, useRef, useState } from 'react';
import { channelIcons } from '../i18n/enums';
import { useI18n } from '../i18n/i18n';
import { apiClient } from '../lib/api-client';
import type { ChannelKind, TimelineMessage } from '../lib/api-types';
import { upsertTimeline } from '../lib/live-cache';
import { useWorkspace } from '../lib/workspace';
import { AttachmentList } from './attachments';
import { EmailFrame } from './email-frame';
import { MentionText } from './mention-picker';

function FailedSend(props: { message: TimelineMessage }) {
  const i18n = useI18n();
  const { t } = i18n;
  const client = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const retry = async () => {
    setBusy(true);
    setError(null);
    try {
      upsertTimeline(client, { ...(await apiClient.messages.retry(props.message.id)), error: null }, 'retry');
    } catch (err) {
      setError(i18n.error(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <p className="failed" role="alert">
      <strong>{t('failedReason')}:</strong>{' '}
      <span data-testid="failure-reason">{props.message.error?.message || i18n.delivery('failed')}</span>{' '}
      <button type="button" onClick={() => void retry()} disabled={busy}>
        {busy ? t('retrying') : t('retry')}
      </button>
      {error && <span className="error"> {error}</span>}
    </p>
  );
}

const Entry = memo(function Entry(props: { message: TimelineMessage; contactName: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { agentName, session } = useWorkspace();
  const m = props.message;
  if (m.kind === 'system') {
    return (
      <li className="entry system" data-message-id={m.id}>
        <span>{m.text}</span> <time dateTime={m.occurredAt}>{i18n.dateTime(m.occurredAt)}</time>
      </li>
    );
  }
  const author =
    m.direction === 'inbound'
      ? props.contactName
      : m.authorId
        ? m.authorId === session.agent.id
          ? t('you')
          : agentName(m.authorId) || t('system')
        : t('system');
  const icon = channelIcons[m.channel as ChannelKind] ?? '•';
  return (
    <li className={`entry msg ${m.direction} kind-${m.kind}`} data-message-id={m.id} data-status={m.status}>
      <div className="meta">
        <span className="ch" role="img" aria-label={i18n.channel(m.channel)} title={i18n.channel(m.channel)}>
          {icon}
        </span>
        <span className="channel-name">{i18n.channel(m.channel)}</span>
        <strong className="author">{author}</strong>
        {m.kind === 'note' && <span className="badge note">{i18n.kind('note')}</span>}
        {m.isAutomated && <span className="badge">{t('automated')}</span>}
        <time dateTime={m.occurredAt}>{i18n.dateTime(m.occurredAt)}</time>
        {m.status && m.direction === 'outbound' && (
          <span className={`status st-${m.status}`} data-testid="delivery">
            {i18n.delivery(m.status)}
          </span>
        )}
      </div>
      {m.subject && <p className="mail-subject">{m.subject}</p>}
      {m.html ? (
        <EmailFrame
          html={m.html}
          {...(m.email?.htmlWithImages ? { htmlWithImages: m.email.htmlWithImages } : {})}
          title={`${i18n.channel(m.channel)} ${m.seq}`}
        />
      ) : (
        m.text && <p className="text">{m.kind === 'note' ? <MentionText text={m.text} /> : m.text}</p>
      )}
      {(m.kind === 'call' || m.kind === 'voicemail') && m.call && (
        <div className="call">
          <span>
            ☎ {i18n.kind(m.kind)}
            {m.call.durationSec ? ` · ${t('duration')} ${i18n.duration(m.call.durationSec)}` : ''}
          </span>
          {m.call.transcription && (
            <blockquote className="transcription" aria-label={t('transcription')}>
              {m.call.transcription}
            </blockquote>
          )}
        </div>
      )}
      <AttachmentList attachments={m.attachments ?? []} />
      {m.status === 'failed' && <FailedSend message={m} />}
    </li>
  );
});

export function Timeline(props: { messages: TimelineMessage[]; contactName: string }) {
  const { t } = useI18n();
  const ref = useRef<HTMLOListElement>(null);
  const count = props.messages.length;
  // New entries scroll into view (the newest is at the bottom, next to the composer).
  useEffect(() => {
    ref.current?.lastElementChild?.scrollIntoView({ block: 'end' });
  }, [count]);
  return (
    <ol className="timeline" aria-label={t('timeline')} ref={ref}>
      {props.messages.map((m) => (
        <Entry key={m.id} message={m} contactName={props.contactName} />
      ))}
    </ol>
  );
}
