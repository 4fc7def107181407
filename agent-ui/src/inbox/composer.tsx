import { useState, type FormEvent } from 'react';
import { smsSegments } from '../../../connectors/twilio/sms-segments';
import { api } from '../api';
import type { T } from '../i18n';
import type { TimelineMessage } from '../types';

/** Channels billed per SMS segment: the composer shows the count as the agent types. */
const SEGMENTED_CHANNELS = new Set(['sms']);

export function Composer(props: {
  t: T;
  conversationId: string;
  channel: string;
  onSent: (m: TimelineMessage) => void;
}) {
  const { t } = props;
  const [text, setText] = useState('');
  const [isPrivate, setPrivate] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const segments = !isPrivate && SEGMENTED_CHANNELS.has(props.channel) && text ? smsSegments(text) : null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!text.trim()) return;
    setBusy(true);
    try {
      const message = await api<TimelineMessage>(
        'POST',
        `/api/conversations/${props.conversationId}/messages`,
        {
          text,
          private: isPrivate,
        },
      );
      props.onSent(message);
      setText('');
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className={`composer ${isPrivate ? 'private' : ''}`}
      onSubmit={(e) => void submit(e)}
      aria-label="composer"
    >
      <div className="tabs">
        <button type="button" className={!isPrivate ? 'on' : ''} onClick={() => setPrivate(false)}>
          {t('reply')}
        </button>
        <button type="button" className={isPrivate ? 'on' : ''} onClick={() => setPrivate(true)}>
          {t('note')}
        </button>
      </div>
      <textarea value={text} onChange={(e) => setText(e.target.value)} rows={3} aria-label="message text" />
      <div className="composer-foot">
        {segments && (
          <span className="segments" data-testid="segments">
            {segments.encoding} · {segments.segments} {t('segments')} · {segments.remainingInSegment}
          </span>
        )}
        {error && <span className="error">{error}</span>}
        <button type="submit" disabled={busy || !text.trim()}>
          {isPrivate ? t('addNote') : t('send')}
        </button>
      </div>
    </form>
  );
}
