/**
 * Templates (`/api/templates`): every template with its source (the file, or an override saved here) and
 * version; an editor per template for its parts (text, and for email the subject and HTML) that previews
 * with sample data (optionally changed as JSON), saves an override (a refusal names each problem with its
 * line and column), goes back to the file template, and lists the version history.
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { EmailFrame } from '../conversation/email-frame';
import { useI18n } from '../i18n/i18n';
import { ApiError, apiClient } from '../lib/api-client';
import type {
  TemplateParts,
  TemplatePart,
  TemplatePreview,
  TemplateProblem,
  TemplateRef,
  TemplateSummary,
} from '../lib/api-types';
import { useWorkspace } from '../lib/workspace';
import { AdminForm, AdminSection, Field, useSave } from './form-bits';

const KEY = ['templates'] as const;
const refId = (ref: TemplateRef) => `${ref.channel}/${ref.locale}/${ref.key}`;

/** The parts an editor offers: email has a subject and HTML besides the text. */
function editableParts(ref: TemplateRef): TemplatePart[] {
  return ref.channel === 'email' ? ['subject', 'text', 'html'] : ['text'];
}

function useProblemText() {
  const i18n = useI18n();
  const { t } = i18n;
  const partName = (part: string | undefined) =>
    part === 'subject'
      ? t('subject')
      : part === 'html'
        ? t('partHtml')
        : part === 'text'
          ? t('partText')
          : '';
  return (p: TemplateProblem) =>
    `${partName(p.part)}${p.part ? ' · ' : ''}${t('problemAt')
      .replace('{line}', String(p.line))
      .replace('{column}', String(p.column))}: ${p.message}`;
}

function Problems(props: { problems: TemplateProblem[] }) {
  const describe = useProblemText();
  if (props.problems.length === 0) return null;
  return (
    <ul className="error problems" role="alert" data-testid="template-problems">
      {props.problems.map((p, i) => (
        <li key={i}>{describe(p)}</li>
      ))}
    </ul>
  );
}

function TemplateEditor(props: { template: TemplateSummary; onDone: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { agentName } = useWorkspace();
  const ref: TemplateRef = props.template;
  const detail = useQuery({ queryKey: [...KEY, refId(ref)], queryFn: () => apiClient.templates.get(ref) });
  const versions = useQuery({
    queryKey: [...KEY, refId(ref), 'versions'],
    queryFn: () => apiClient.templates.versions(ref),
  });
  const [edits, setEdits] = useState<TemplateParts>({});
  const [note, setNote] = useState('');
  const [sample, setSample] = useState('');
  const [preview, setPreview] = useState<TemplatePreview | null>(null);
  const [problems, setProblems] = useState<TemplateProblem[]>([]);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const { run, feedback } = useSave([KEY]);
  if (!detail.data) return <p>{detail.isError ? i18n.error(detail.error) : t('loading')}</p>;
  const current = detail.data;
  const value = (part: TemplatePart) => edits[part] ?? current.parts[part] ?? '';

  const doPreview = async () => {
    setPreviewError(null);
    let data: Record<string, unknown> | undefined;
    if (sample.trim()) {
      try {
        data = JSON.parse(sample) as Record<string, unknown>;
      } catch {
        setPreviewError(t('invalidJson'));
        return;
      }
    }
    try {
      const result = await apiClient.templates.preview(ref, edits, data);
      setPreview(result);
      setProblems(result.problems);
    } catch (err) {
      setPreviewError(i18n.error(err));
    }
  };

  const save = async () => {
    setProblems([]);
    const ok = await run(async () => {
      try {
        await apiClient.templates.save(ref, {
          parts: edits,
          expectedVersion: current.version,
          ...(note.trim() ? { note: note.trim() } : {}),
        });
      } catch (err) {
        if (err instanceof ApiError && Array.isArray(err.details))
          setProblems((err.details as TemplateProblem[]).filter((p) => typeof p.line === 'number'));
        throw err;
      }
    });
    if (ok) {
      setEdits({});
      setNote('');
      await Promise.all([detail.refetch(), versions.refetch()]);
    }
  };

  const revert = async () => {
    if (await run(() => apiClient.templates.revert(ref))) {
      setEdits({});
      await Promise.all([detail.refetch(), versions.refetch()]);
    }
  };

  return (
    <div className="template-editor" data-testid="template-editor">
      <AdminForm
        label={`${t('templates')} ${refId(ref)}`}
        onSubmit={save}
        feedback={feedback}
        onCancel={props.onDone}
        extraButtons={
          <>
            <button type="button" onClick={() => void doPreview()}>
              {t('preview')}
            </button>
            {current.source === 'database' && (
              <button type="button" onClick={() => void revert()}>
                {t('revertToFile')}
              </button>
            )}
          </>
        }
      >
        <p className="muted">
          <code>{refId(ref)}</code> · {t('version')} {current.version} ·{' '}
          {current.source === 'database' ? t('sourceDatabase') : t('sourceFile')}
        </p>
        <p className="muted">
          {t('variables')}:{' '}
          {current.variables.map((v) => (
            <code key={v}>{`{{${v}}}`} </code>
          ))}
        </p>
        {editableParts(ref).map((part) => {
          const label = part === 'subject' ? t('subject') : part === 'html' ? t('partHtml') : t('partText');
          return (
            <label key={part}>
              {label}
              <textarea
                aria-label={label}
                rows={part === 'subject' ? 1 : part === 'html' ? 8 : 5}
                value={value(part)}
                onChange={(e) => setEdits({ ...edits, [part]: e.target.value })}
              />
            </label>
          );
        })}
        <Field label={t('changeNote')} value={note} onValue={setNote} maxLength={500} />
        <label>
          {t('sampleData')}
          <textarea
            aria-label={t('sampleData')}
            rows={2}
            value={sample}
            onChange={(e) => setSample(e.target.value)}
          />
        </label>
        <Problems problems={problems} />
        {previewError && (
          <p className="error" role="alert">
            {previewError}
          </p>
        )}
      </AdminForm>
      {preview && preview.problems.length === 0 && (
        <section className="card" aria-label={t('preview')} data-testid="template-preview">
          <h3>{t('preview')}</h3>
          {preview.subject && <p className="mail-subject">{preview.subject}</p>}
          <pre className="preview-text">{preview.text}</pre>
          {preview.html && <EmailFrame html={preview.html} title={t('preview')} />}
        </section>
      )}
      <section className="card" aria-label={t('versionHistory')} data-testid="template-versions">
        <h3>{t('versionHistory')}</h3>
        {versions.data?.items.length === 0 && <p className="muted">{t('noVersions')}</p>}
        <ol className="plain">
          {(versions.data?.items ?? []).map((v) => (
            <li key={v.id}>
              <strong>
                {t('version')} {v.version}
              </strong>{' '}
              · {agentName(v.changedBy) || v.changedBy} · {i18n.dateTime(v.changedAt)} ·{' '}
              {v.parts === null ? t('fileTemplate') : v.changedParts.join(', ')}
              {v.note ? ` · ${v.note}` : ''}
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}

export function TemplatesAdmin() {
  const i18n = useI18n();
  const { t } = i18n;
  const list = useQuery({ queryKey: KEY, queryFn: apiClient.templates.list });
  const [editing, setEditing] = useState<TemplateSummary | null>(null);
  return (
    <AdminSection title={t('templates')} error={list.error}>
      {editing && <TemplateEditor key={refId(editing)} template={editing} onDone={() => setEditing(null)} />}
      <table>
        <thead>
          <tr>
            <th>{t('templateKey')}</th>
            <th>{t('channel')}</th>
            <th>{t('language')}</th>
            <th>{t('source')}</th>
            <th>{t('version')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(list.data?.items ?? []).map((item) => (
            <tr key={refId(item)} data-template={refId(item)}>
              <td>
                <code>{item.key}</code>
              </td>
              <td>{i18n.channel(item.channel)}</td>
              <td>{item.locale === 'zh-CN' ? '中文' : 'English'}</td>
              <td>{item.source === 'database' ? t('sourceDatabase') : t('sourceFile')}</td>
              <td>{item.version}</td>
              <td>
                <button type="button" onClick={() => setEditing(item)}>
                  {t('edit')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </AdminSection>
  );
}
