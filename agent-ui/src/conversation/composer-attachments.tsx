/**
 * The composer's attachments: the attach button (a real button opening the file picker, several files at
 * once), and the chips of the files added (name, size, upload progress, × to remove, the reason when the
 * hub refused one, in the agent's language). Paste and drop into the composer add files through `addFiles`.
 */
import { useRef } from 'react';
import { useI18n, type I18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';
import { addFiles, MAX_ATTACHMENTS, removeAttachment, type AttachmentDraft } from './attachment-drafts';
import './composer-attachments.css';

/** `{name}`-style placeholders filled in. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in values ? String(values[key]) : whole,
  );
}

/** `512B`, `14.2kB`, `3.1MB` in the agent's locale. */
export function formatSize(lang: string, bytes: number): string {
  const [unit, value] =
    bytes >= 1_000_000
      ? (['megabyte', bytes / 1_000_000] as const)
      : bytes >= 1000
        ? (['kilobyte', bytes / 1000] as const)
        : (['byte', bytes] as const);
  return new Intl.NumberFormat(lang, {
    style: 'unit',
    unit,
    unitDisplay: 'narrow',
    maximumFractionDigits: 1,
  }).format(value);
}

/** Why the hub refused a file, as the agent should read it (never a raw "Failed to fetch"). */
export function refusalText(i18n: I18n, item: AttachmentDraft): string {
  const name = item.name;
  const phrase = (key: MessageKey, extra: Record<string, string> = {}) =>
    fill(i18n.t(key), { name, ...extra });
  switch (item.errorCode) {
    case 'PAYLOAD_TOO_LARGE':
      return phrase('attachmentTooLarge');
    case 'UNSUPPORTED_MEDIA_TYPE':
      return phrase('attachmentTypeRefused');
    default:
      if (item.size === 0) return phrase('attachmentEmpty');
      return phrase('attachmentFailed', { reason: i18n.error({ code: item.errorCode ?? 'ERROR' }) });
  }
}

/** Adds files to the conversation's attachments; says so when some did not fit the per-message limit. */
export function attachFiles(conversationId: string, files: readonly File[], onTooMany: () => void): void {
  if (files.length === 0) return;
  if (addFiles(conversationId, files) < files.length) onTooMany();
}

/** A paperclip drawn inline (no emoji font is needed, and the CSP allows no remote images). */
function PaperclipIcon() {
  return (
    <svg
      aria-hidden="true"
      width="14"
      height="14"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
      style={{ verticalAlign: '-2px' }}
    >
      <path d="M21 11.5l-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l7.9-7.9" />
    </svg>
  );
}

export function AttachButton(props: { conversationId: string; disabled?: boolean; onTooMany: () => void }) {
  const { t } = useI18n();
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button
        type="button"
        className="attach-button"
        disabled={props.disabled}
        aria-label={t('attachFiles')}
        title={t('attachFiles')}
        onClick={() => input.current?.click()}
      >
        <PaperclipIcon /> {t('attachFiles')}
      </button>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        tabIndex={-1}
        data-testid="attach-input"
        onChange={(event) => {
          attachFiles(props.conversationId, [...(event.target.files ?? [])], props.onTooMany);
          event.target.value = ''; // the same file can be picked again after removing it
        }}
      />
    </>
  );
}

export function AttachmentChips(props: { conversationId: string; items: AttachmentDraft[] }) {
  const i18n = useI18n();
  const { t } = i18n;
  if (props.items.length === 0) return null;
  return (
    <ul className="attachment-chips" aria-label={t('attachmentsToSend')} data-testid="attachment-chips">
      {props.items.map((item) => (
        <li key={item.key} className={`attachment-chip ${item.state}`} data-state={item.state}>
          <span className="chip-name">{item.name}</span>
          <span className="chip-size">{formatSize(i18n.lang, item.size)}</span>
          {item.state === 'uploading' && (
            <>
              <progress
                max={1}
                value={item.progress}
                aria-label={`${t('attachmentUploading')} ${item.name}`}
              />
              <span className="chip-state" role="status">
                {t('attachmentUploading')} {Math.round(item.progress * 100)}%
              </span>
            </>
          )}
          {item.state === 'ready' && <span className="sr-only">{t('attachmentReady')}</span>}
          {item.state === 'refused' && (
            <span className="chip-error error" role="alert">
              {refusalText(i18n, item)}
            </span>
          )}
          <button
            type="button"
            className="chip-remove"
            aria-label={fill(t('attachmentRemove'), { name: item.name })}
            title={fill(t('attachmentRemove'), { name: item.name })}
            onClick={() => removeAttachment(props.conversationId, item.key)}
          >
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}

export { MAX_ATTACHMENTS };
