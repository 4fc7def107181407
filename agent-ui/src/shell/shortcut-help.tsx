import { useEffect, useRef } from 'react';
import { useI18n } from '../i18n/i18n';

/** The `?` dialog: every keyboard shortcut of the workspace. */
export function ShortcutHelp(props: { onClose: () => void }) {
  const { t } = useI18n();
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => closeRef.current?.focus(), []);
  const rows: [string, string][] = [
    ['j', t('shortcutNext')],
    ['k', t('shortcutPrev')],
    ['Enter', t('shortcutOpen')],
    ['/', t('shortcutSearch')],
    ['Ctrl/⌘ + Enter', t('shortcutSend')],
    ['Alt + E', t('shortcutResolve')],
    ['?', t('shortcutHelp')],
  ];
  return (
    <div className="modal-backdrop" onClick={props.onClose}>
      <div
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby="shortcuts-title"
        onClick={(e) => e.stopPropagation()}
      >
        <h2 id="shortcuts-title">{t('shortcuts')}</h2>
        <dl className="shortcuts">
          {rows.map(([key, label]) => (
            <div key={key}>
              <dt>
                <kbd>{key}</kbd>
              </dt>
              <dd>{label}</dd>
            </div>
          ))}
        </dl>
        <button type="button" ref={closeRef} onClick={props.onClose}>
          {t('close')}
        </button>
      </div>
    </div>
  );
}
