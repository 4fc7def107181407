/**
 * What the customer is doing, under the timeline: typing right now (the web chat widget's live signal
 * `conversation:customer-typing`, shown for 5 s after the last one or until their message arrives) and
 * whether they have seen the replies (read receipts: the replies' `read` status, kept live by
 * `message:status`).
 */
import { useEffect, useState } from 'react';
import { useI18n } from '../i18n/i18n';
import type { TimelineMessage } from '../lib/api-types';
import { useSocketEvent } from '../lib/workspace';

const TYPING_SHOWN_MS = 5_000;

export function CustomerActivity(props: { conversationId: string; messages: TimelineMessage[] }) {
  const { t } = useI18n();
  const { conversationId, messages } = props;
  const [typingAt, setTypingAt] = useState<number | null>(null);
  useSocketEvent('conversation:customer-typing', (payload) => {
    if (payload.conversationId === conversationId) setTypingAt(Date.now());
  });
  useEffect(() => {
    if (typingAt === null) return;
    const timer = setTimeout(() => setTypingAt(null), TYPING_SHOWN_MS);
    return () => clearTimeout(timer);
  }, [typingAt]);

  const sorted = [...messages].sort((a, b) => a.seq - b.seq);
  const lastInboundId = sorted.filter((m) => m.direction === 'inbound').at(-1)?.id;
  // Their message arrived: they stopped typing. Another conversation: nobody is typing there yet.
  useEffect(() => setTypingAt(null), [lastInboundId, conversationId]);

  const replies = sorted.filter((m) => m.direction === 'outbound' && m.kind === 'message');
  const latest = replies.at(-1);
  const read =
    latest?.status === 'read' ? 'latest' : replies.some((m) => m.status === 'read') ? 'earlier' : null;
  if (typingAt === null && !read) return null;
  return (
    <p className="hint customer-activity" role="status" data-testid="customer-activity">
      {typingAt !== null && <span data-testid="customer-typing">{t('customerTyping')} </span>}
      {read && (
        <span data-testid="customer-read" data-read={read}>
          {read === 'latest' ? `✓✓ ${t('customerSawLatest')}` : t('customerSawEarlier')}
        </span>
      )}
    </p>
  );
}
