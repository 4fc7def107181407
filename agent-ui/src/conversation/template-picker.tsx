/**
 * Picks one of the inbox's approved templates, asks for each `{{n}}` variable, shows the message as the
 * customer will read it, and sends it through the reply API's template path.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ReplyTemplate } from '../../../connectors/channel';
import { renderTemplate } from '../../../connectors/reply-window';
import { useI18n } from '../i18n/i18n';
import { apiClient } from '../lib/api-client';
import { upsertTimeline } from '../lib/live-cache';

export function TemplatePicker(props: { conversationId: string; templates: readonly ReplyTemplate[] }) {
  const i18n = useI18n();
  const { t } = i18n;
  const client = useQueryClient();
  const [index, setIndex] = useState(0);
  const [values, setValues] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const template = props.templates[Math.min(index, props.templates.length - 1)];
  if (!template) return null;
  const variables = Array.from({ length: template.variables }, (_, i) => values[i] ?? '');
  const complete = variables.every((value) => value.trim());

  const send = async () => {
    setBusy(true);
    setError(null);
    try {
      const message = await apiClient.conversations.reply(props.conversationId, {
        private: false,
        template: { name: template.name, language: template.language, variables },
      });
      upsertTimeline(client, message, 'reply');
      setValues([]);
    } catch (err) {
      setError(i18n.error(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <fieldset className="template-picker" aria-label={t('template')}>
      <label>
        {t('template')}{' '}
        <select
          aria-label={t('template')}
          value={index}
          onChange={(e) => {
            setIndex(Number(e.target.value));
            setValues([]);
          }}
        >
          {props.templates.map((candidate, i) => (
            <option key={`${candidate.name}:${candidate.language}`} value={i}>
              {candidate.name} ({candidate.language})
            </option>
          ))}
        </select>
      </label>
      {variables.map((value, i) => (
        <label key={i}>
          {`{{${i + 1}}}`}{' '}
          <input
            aria-label={`${t('templateVariable')} ${i + 1}`}
            value={value}
            onChange={(e) => {
              const next = [...variables];
              next[i] = e.target.value;
              setValues(next);
            }}
          />
        </label>
      ))}
      <p className="template-preview" data-testid="template-preview">
        <span className="hint">{t('templatePreview')}:</span> {renderTemplate(template, variables)}
      </p>
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
      <button type="button" className="primary" disabled={busy || !complete} onClick={() => void send()}>
        {t('sendTemplate')}
      </button>
    </fieldset>
  );
}
