/**
 * The composer: reply (on a channel the customer can be reached on) or internal note; SMS segment count
 * while typing; the draft kept per conversation; Ctrl/Cmd+Enter sends. Voice conversations get a call
 * back button instead of a text reply (a text on a phone line has nowhere to go).
 *
 * Files (button, paste or drop) upload at once and go with the next reply or note (the hub keeps them on
 * notes too, never sending them); Send waits for running uploads. Mentions show as `@Name` in the box and
 * become `@[Name](id)` tokens only when the note is sent or the draft stored (mention-text.ts).
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type DragEvent, type FormEvent, type KeyboardEvent } from 'react';
import { smsSegments } from '../../../connectors/twilio/sms-segments';
import { useI18n } from '../i18n/i18n';
import { apiClient } from '../lib/api-client';
import type { ConversationDetail } from '../lib/api-types';
import { loadDraft, saveDraft, type Draft } from '../lib/drafts';
import { upsertTimeline } from '../lib/live-cache';
import { useWorkspace } from '../lib/workspace';
import type { CannedResponse } from '../lib/api-types';
import { CannedPicker, cannedQuery } from './canned-picker';
import { mentionCandidates, MentionPicker, mentionQuery } from './mention-picker';
import { ReplyWindowBar, useReplyLock } from './reply-window-bar';
import { clearSent, useAttachmentDrafts } from './attachment-drafts';
import { AttachButton, AttachmentChips, attachFiles, fill, MAX_ATTACHMENTS } from './composer-attachments';
import { activeMentions, addMention, fromServerText, toServerText, type PickedMention } from './mention-text';

/** Channels an agent can write a text reply on (voice is answered by calling back). */
const TEXT_CHANNELS = new Set([
  'sms',
  'whatsapp',
  'email',
  'webchat',
  'messenger',
  'instagram',
  'telegram',
  'wechat',
]);

/** The email fields of a reply: the subject only when the agent changed it, the copies as a list. */
function emailFields(draft: Draft, defaultSubject: string): { subject?: string; cc: string[] } {
  const subject = draft.subject?.trim();
  const cc = (draft.cc ?? '')
    .split(/[,;\s]+/)
    .map((address) => address.trim())
    .filter(Boolean);
  return { ...(subject && subject !== defaultSubject ? { subject } : {}), cc };
}

export function Composer(props: { conversation: ConversationDetail }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { socket, agents, session } = useWorkspace();
  const client = useQueryClient();
  const { conversation } = props;
  // The stored draft carries mention tokens; the box shows them as `@Name` with the agents beside.
  const [initial] = useState(() => {
    const stored = loadDraft(conversation.id);
    const parsed = fromServerText(stored.text);
    return { draft: { ...stored, text: parsed.text }, mentions: parsed.mentions };
  });
  const [draft, setDraft] = useState<Draft>(initial.draft);
  const [mentions, setMentions] = useState<PickedMention[]>(initial.mentions);
  const attachments = useAttachmentDrafts(conversation.id);
  const uploading = attachments.some((a) => a.state === 'uploading');
  const [dropping, setDropping] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [info, setInfo] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const lastTyping = useRef(0);
  const [cannedItems, setCannedItems] = useState<CannedResponse[]>([]);
  const [cannedIndex, setCannedIndex] = useState(0);
  const [cannedClosed, setCannedClosed] = useState(false);
  const [missing, setMissing] = useState<string[]>([]);
  const textRef = useRef<HTMLTextAreaElement>(null);
  const [caret, setCaret] = useState(0);
  const [mentionIndex, setMentionIndex] = useState(0);
  const [mentionClosed, setMentionClosed] = useState(false);

  const replyChannels = [
    ...new Set([
      ...conversation.channels,
      ...(conversation.contact.identities ?? []).map((identity) => identity.channel),
    ]),
  ].filter((c) => TEXT_CHANNELS.has(c));
  const isVoice = conversation.channel === 'voice';
  const channel =
    draft.channel && replyChannels.includes(draft.channel)
      ? draft.channel
      : TEXT_CHANNELS.has(conversation.channel)
        ? conversation.channel
        : replyChannels[0];
  const canReply = Boolean(channel);
  const isNote = draft.isNote || !canReply;
  // A closed reply window (WhatsApp 24 h, Messenger 7 days, WeChat 48 h / 5 replies) locks free text.
  const locked = useReplyLock(conversation, channel).locked && !isNote;

  useEffect(
    () => saveDraft(conversation.id, { ...draft, text: toServerText(draft.text, mentions) }),
    [conversation.id, draft, mentions],
  );

  const change = (patch: Partial<Draft>) => setDraft((prev) => ({ ...prev, ...patch }));
  const segments = !isNote && channel === 'sms' && draft.text ? smsSegments(draft.text) : null;
  const isEmail = !isNote && channel === 'email';
  const defaultSubject = conversation.subject ? `Re: ${conversation.subject}` : `#${conversation.number}`;

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    if (!draft.text.trim() || busy || locked || uploading) return;
    setBusy(true);
    setError(null);
    const ready = attachments.filter((a) => a.state === 'ready' && a.uploadId);
    try {
      const message = await apiClient.conversations.reply(conversation.id, {
        // Tokens only in notes: a customer must never receive `@[Name](id)`.
        text: isNote ? toServerText(draft.text, mentions) : draft.text,
        private: isNote,
        ...(!isNote && channel && channel !== conversation.channel ? { channel } : {}),
        ...(ready.length ? { attachments: ready.map((a) => a.uploadId!) } : {}),
        ...(isEmail ? { email: emailFields(draft, defaultSubject) } : {}),
      });
      upsertTimeline(client, message, 'reply');
      setDraft((prev) => ({ ...prev, text: '', subject: undefined, cc: undefined }));
      setMentions([]);
      clearSent(
        conversation.id,
        ready.map((a) => a.key),
      );
    } catch (err) {
      setError(i18n.error(err));
    } finally {
      setBusy(false);
    }
  };

  const canned = cannedClosed ? null : cannedQuery(draft.text);
  const pickCanned = async (item: CannedResponse) => {
    setError(null);
    try {
      const rendered = await apiClient.canned.render(item.id, conversation.id);
      setDraft((prev) => ({ ...prev, text: rendered.text }));
      setMissing(rendered.missing);
    } catch (err) {
      setError(i18n.error(err));
    }
  };

  // `@name` in a note: colleagues to mention (the hub notifies them when the note is stored).
  const mention = isNote && !mentionClosed ? mentionQuery(draft.text, caret) : null;
  const mentionItems = mention ? mentionCandidates(agents, mention.query, session.agent.id) : [];
  const pickMention = (agent: { id: string; name: string }) => {
    if (!mention) return;
    const picked = addMention(mentions, agent);
    const shown = `@${picked[picked.length - 1]!.name} `;
    const text = draft.text.slice(0, mention.start) + shown + draft.text.slice(caret);
    const at = mention.start + shown.length;
    setDraft((prev) => ({ ...prev, text }));
    setMentions(activeMentions(text, picked));
    setCaret(at);
    requestAnimationFrame(() => textRef.current?.setSelectionRange(at, at));
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (mentionItems.length > 0) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        setMentionIndex((i) => (i + step + mentionItems.length) % mentionItems.length);
        return;
      }
      if ((event.key === 'Enter' || event.key === 'Tab') && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        const agent = mentionItems[Math.min(mentionIndex, mentionItems.length - 1)];
        if (agent) pickMention(agent);
        return;
      }
      if (event.key === 'Escape') {
        setMentionClosed(true);
        return;
      }
    }
    if (canned !== null && cannedItems.length > 0) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        setCannedIndex((i) => (i + step + cannedItems.length) % cannedItems.length);
        return;
      }
      if (event.key === 'Enter' && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        const item = cannedItems[Math.min(cannedIndex, cannedItems.length - 1)];
        if (item) void pickCanned(item);
        return;
      }
    }
    if (event.key === 'Escape') setCannedClosed(true);
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void submit();
    }
  };

  const callBack = async () => {
    setError(null);
    try {
      await apiClient.conversations.callBack(conversation.id);
      setInfo(t('calling'));
    } catch (err) {
      setError(i18n.error(err));
    }
  };

  const tooMany = () => setError(fill(t('attachmentTooMany'), { max: MAX_ATTACHMENTS }));
  const canAttach = !locked && !busy;
  const hasFiles = (event: DragEvent) => event.dataTransfer.types.includes('Files');
  const readyCount = attachments.filter((a) => a.state === 'ready').length;

  return (
    <form
      className={`composer ${isNote ? 'private' : ''} ${dropping ? 'dropping' : ''}`}
      onSubmit={(e) => void submit(e)}
      aria-label={isNote ? t('note') : t('reply')}
      // A file dropped here never makes the browser open it in place of the app, even when it cannot attach.
      onDragOver={(event) => {
        if (!hasFiles(event)) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = canAttach ? 'copy' : 'none';
        setDropping(canAttach);
      }}
      onDragLeave={() => setDropping(false)}
      onDrop={(event) => {
        setDropping(false);
        if (!hasFiles(event)) return;
        event.preventDefault();
        if (canAttach) attachFiles(conversation.id, [...event.dataTransfer.files], tooMany);
      }}
    >
      <div className="composer-head">
        <div className="tabs" role="group">
          <button
            type="button"
            className={!isNote ? 'on' : ''}
            aria-pressed={!isNote}
            disabled={!canReply}
            onClick={() => change({ isNote: false })}
          >
            {t('reply')}
          </button>
          <button
            type="button"
            className={isNote ? 'on' : ''}
            aria-pressed={isNote}
            onClick={() => change({ isNote: true })}
          >
            {t('note')}
          </button>
        </div>
        {!isNote && replyChannels.length > 1 && (
          <label>
            {t('replyVia')}{' '}
            <select
              aria-label={t('replyVia')}
              value={channel}
              onChange={(e) => change({ channel: e.target.value })}
            >
              {replyChannels.map((c) => (
                <option key={c} value={c}>
                  {i18n.channel(c)}
                </option>
              ))}
            </select>
          </label>
        )}
        {isVoice && (
          <button type="button" className="primary" onClick={() => void callBack()}>
            ☎ {t('callBack')}
          </button>
        )}
      </div>
      {isEmail && (
        <div className="mail-fields">
          <label>
            {t('subject')}
            <input
              type="text"
              maxLength={300}
              value={draft.subject ?? defaultSubject}
              onChange={(e) => change({ subject: e.target.value })}
            />
          </label>
          <label>
            {t('cc')}
            <input
              type="text"
              inputMode="email"
              placeholder={t('ccHint')}
              value={draft.cc ?? ''}
              onChange={(e) => change({ cc: e.target.value })}
            />
          </label>
        </div>
      )}
      {isVoice && !canReply && <p className="hint">{t('voiceNoReply')}</p>}
      {!isNote && <ReplyWindowBar conversation={conversation} channel={channel} />}
      {isNote && (
        <p className="hint">
          {t('noteHint')} {t('noteMentionHint')}
        </p>
      )}
      {mentionItems.length > 0 && (
        <MentionPicker
          items={mentionItems}
          active={Math.min(mentionIndex, mentionItems.length - 1)}
          onPick={pickMention}
        />
      )}
      {canned !== null && (
        <CannedPicker
          query={canned}
          active={cannedIndex}
          onItems={(items) => {
            setCannedItems(items);
            setCannedIndex(0);
          }}
          onPick={(item) => void pickCanned(item)}
        />
      )}
      {missing.length > 0 && (
        <p className="hint" role="status">
          {t('cannedMissing')}: {missing.join(', ')}
        </p>
      )}
      <textarea
        ref={textRef}
        value={draft.text}
        rows={3}
        disabled={locked}
        placeholder={t('composerPlaceholder')}
        aria-label={t('messageText')}
        onKeyDown={onKeyDown}
        onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
        onPaste={(e) => {
          if (!canAttach || e.clipboardData.files.length === 0) return;
          e.preventDefault();
          attachFiles(conversation.id, [...e.clipboardData.files], tooMany);
        }}
        onChange={(e) => {
          change({ text: e.target.value });
          // Deleting part of a `@Name` drops that mention (the text is then sent as typed).
          setMentions((prev) => activeMentions(e.target.value, prev));
          setCaret(e.target.selectionStart);
          setMentionIndex(0);
          setMentionClosed(false);
          if (!e.target.value) {
            setCannedClosed(false);
            setMissing([]);
          }
          if (Date.now() - lastTyping.current > 2000) {
            lastTyping.current = Date.now();
            socket.typing(conversation.id);
          }
        }}
      />
      <AttachmentChips conversationId={conversation.id} items={attachments} />
      {dropping && <p className="hint">{t('attachmentDrop')}</p>}
      <div className="composer-foot">
        <AttachButton conversationId={conversation.id} disabled={!canAttach} onTooMany={tooMany} />
        {uploading && (
          <span className="hint" data-testid="uploads-waiting">
            {t('attachmentsWaiting')}
          </span>
        )}
        {!uploading && readyCount > 0 && !draft.text.trim() && (
          <span className="hint">{t('attachmentsNeedText')}</span>
        )}
        {segments && (
          <span className="segments" data-testid="segments">
            {segments.encoding} · {segments.segments} {t('segments')} · {segments.remainingInSegment}
          </span>
        )}
        {error && (
          <span className="error" role="alert">
            {error}
          </span>
        )}
        {info && <span role="status">{info}</span>}
        <span className="spacer" />
        <kbd className="hint">Ctrl/⌘ + Enter</kbd>
        <button
          type="submit"
          className="primary"
          disabled={busy || locked || uploading || !draft.text.trim()}
        >
          {isNote ? t('addNote') : t('send')}
        </button>
      </div>
    </form>
  );
}
