/**
 * The reply window of the conversation's channel (connectors/reply-window.ts, evaluated by the server on
 * `GET /api/conversations/:id`): time left, counting down live; WeChat's replies left; when closed, why,
 * and the inbox's approved templates instead of free text. `useReplyLock` tells the composer when to lock.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { ReplyRefusalReason, ReplyWindowState } from '../../../connectors/reply-window';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';
import type { ConversationDetail } from '../lib/api-types';
import { keys } from '../lib/live-cache';
import { useNow } from '../lib/use-now';
import { TemplatePicker } from './template-picker';

/** The conversation as the detail endpoint returns it, with its reply window. */
type WithWindow = ConversationDetail & { replyWindow?: ReplyWindowState };

const REASON_KEYS: Partial<Record<ReplyRefusalReason, MessageKey>> = {
  TEMPLATE_REQUIRED: 'reasonTemplateRequired',
  WINDOW_CLOSED: 'reasonWindowClosed',
  NO_CUSTOMER_MESSAGE: 'reasonNoCustomerMessage',
  REPLY_LIMIT_REACHED: 'reasonReplyLimit',
};

/**
 * The window that applies to a reply on `channel` (null: none, the channel is always open), and whether it
 * is closed now. When the countdown runs out the conversation is fetched again, so the server says what
 * comes next (Messenger's human-agent days, WhatsApp's templates).
 */
export function useReplyLock(conversation: ConversationDetail, channel: string | undefined) {
  const client = useQueryClient();
  const now = useNow(1000);
  const state = (conversation as WithWindow).replyWindow;
  const applies = Boolean(state && state.mode !== 'always' && state.channel === channel);
  const closesAt = state?.closesAt ? Date.parse(state.closesAt) : null;
  const expired = applies && state?.open === true && closesAt !== null && closesAt <= now;
  useEffect(() => {
    if (expired) void client.invalidateQueries({ queryKey: keys.detail(conversation.id) });
  }, [expired, client, conversation.id]);
  return {
    state: applies ? (state ?? null) : null,
    locked: applies && (!state?.open || expired),
    msLeft: closesAt === null ? null : Math.max(0, closesAt - now),
  };
}

export function ReplyWindowBar(props: { conversation: ConversationDetail; channel: string | undefined }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { state, locked, msLeft } = useReplyLock(props.conversation, props.channel);
  if (!state) return null;
  if (!locked)
    return (
      <p className="reply-window open" role="status" data-testid="reply-window">
        {t('replyWindow')} · {i18n.channel(state.channel)}:{' '}
        {msLeft !== null && (
          <strong data-testid="reply-window-left">
            {i18n.duration(msLeft / 1000)} {t('replyWindowLeft')}
          </strong>
        )}
        {state.mode === 'human-agent' && <span> · {t('replyWindowHumanAgent')}</span>}
        {state.repliesLeft !== null && (
          <span>
            {' '}
            · {state.repliesLeft} {t('replyWindowRepliesLeft')}
          </span>
        )}
      </p>
    );
  const reasonKey = state.reason ? REASON_KEYS[state.reason] : undefined;
  return (
    <div className="reply-window closed" role="status" data-testid="reply-window">
      <p>
        <strong>
          {t('replyWindowClosed')} · {i18n.channel(state.channel)}
        </strong>{' '}
        {reasonKey ? t(reasonKey) : t('reasonWindowClosed')} {t('replyWindowLocked')}
      </p>
      {state.channel === 'whatsapp' &&
        (state.allowedTemplates.length > 0 ? (
          <TemplatePicker conversationId={props.conversation.id} templates={state.allowedTemplates} />
        ) : (
          <p className="hint">{t('noTemplates')}</p>
        ))}
    </div>
  );
}
