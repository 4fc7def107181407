/**
 * The shared scaffolding of the admin screens: a list section with "+ New" and the item being edited,
 * a form card with its save feedback and Save / Cancel, labelled fields, and the save runner.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useState, type InputHTMLAttributes, type ReactNode } from 'react';
import { useI18n } from '../i18n/i18n';

export const splitList = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Runs a save, shows its translated error or a short "Saved", and refreshes the given queries. */
export function useSave(queryKeys: readonly (readonly string[])[]) {
  const i18n = useI18n();
  const client = useQueryClient();
  const [state, setState] = useState<{ error: string | null; saved: boolean }>({ error: null, saved: false });
  const run = async (task: () => Promise<unknown>): Promise<boolean> => {
    setState({ error: null, saved: false });
    try {
      await task();
      await Promise.all(queryKeys.map((key) => client.invalidateQueries({ queryKey: key })));
      setState({ error: null, saved: true });
      return true;
    } catch (err) {
      setState({ error: i18n.error(err), saved: false });
      return false;
    }
  };
  const feedback = (
    <>
      {state.error && (
        <p className="error" role="alert">
          {state.error}
        </p>
      )}
      {state.saved && <p role="status">{i18n.t('saved')}</p>}
    </>
  );
  return { run, feedback };
}

/** A set of checkboxes over enum values. */
export function CheckList<V extends string>(props: {
  legend: string;
  values: readonly V[];
  selected: readonly string[];
  label: (v: V) => string;
  onChange: (selected: V[]) => void;
}) {
  return (
    <fieldset className="checks">
      <legend>{props.legend}</legend>
      {props.values.map((v) => (
        <label key={v}>
          <input
            type="checkbox"
            checked={props.selected.includes(v)}
            onChange={(e) =>
              props.onChange(
                e.target.checked
                  ? [...props.values.filter((x) => props.selected.includes(x)), v]
                  : props.values.filter((x) => x !== v && props.selected.includes(x)),
              )
            }
          />{' '}
          {props.label(v)}
        </label>
      ))}
    </fieldset>
  );
}

/** What an admin list is editing: nothing, a new item, or one of its items. */
export type Editing<T> = T | 'new' | null;

/** An admin list screen: its heading with "+ New", a load error, the edit form and the table. */
export function AdminSection(props: {
  title: string;
  onNew?: () => void;
  error?: unknown;
  children: ReactNode;
}) {
  const i18n = useI18n();
  return (
    <section aria-label={props.title}>
      <h2>
        {props.title}{' '}
        {props.onNew && (
          <button type="button" onClick={props.onNew}>
            + {i18n.t('newItem')}
          </button>
        )}
      </h2>
      {props.error ? <p className="error">{i18n.error(props.error)}</p> : null}
      {props.children}
    </section>
  );
}

/**
 * The edit form of an item being edited (`editing`), keyed by it so a new choice starts a fresh form.
 * `render` gets the item (null for a new one) and the close callback.
 */
export function EditSlot<T extends { id: string }>(props: {
  editing: Editing<T>;
  onClose: () => void;
  render: (item: T | null, close: () => void) => ReactNode;
}) {
  const { editing } = props;
  if (!editing) return null;
  return (
    <div key={editing === 'new' ? 'new' : editing.id}>
      {props.render(editing === 'new' ? null : editing, props.onClose)}
    </div>
  );
}

/** A form card: submits through `onSubmit`, shows the save's feedback, then Save (and Cancel). */
export function AdminForm(props: {
  label: string;
  onSubmit: () => unknown;
  feedback: ReactNode;
  onCancel?: () => void;
  extraButtons?: ReactNode;
  children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <form
      className="card stack"
      aria-label={props.label}
      onSubmit={(e) => {
        e.preventDefault();
        void props.onSubmit();
      }}
    >
      {props.children}
      {props.feedback}
      <div className="row-buttons">
        <button type="submit" className="primary">
          {t('save')}
        </button>
        {props.extraButtons}
        {props.onCancel && (
          <button type="button" onClick={props.onCancel}>
            {t('cancel')}
          </button>
        )}
      </div>
    </form>
  );
}

/** A labelled input; `onValue` gets the text (numbers are the caller's to parse). */
export function Field(
  props: {
    label: string;
    value: string | number;
    onValue: (value: string) => void;
    className?: string;
  } & Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'className'>,
) {
  const { label, value, onValue, className, ...input } = props;
  return (
    <label className={className}>
      {label}
      {/* Named by the label alone (a wrapped control's own value would join its accessible name). */}
      <input aria-label={label} {...input} value={value} onChange={(e) => onValue(e.target.value)} />
    </label>
  );
}

/** A labelled select over given options. */
export function SelectField<V extends string>(props: {
  label: string;
  value: V;
  options: readonly { value: V; label: string }[];
  onValue: (value: V) => void;
}) {
  return (
    <label>
      {props.label}
      <select
        aria-label={props.label}
        value={props.value}
        onChange={(e) => {
          const chosen = props.options.find((o) => o.value === e.target.value);
          if (chosen) props.onValue(chosen.value);
        }}
      >
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A labelled checkbox. */
export function CheckField(props: {
  label: string;
  checked: boolean;
  onChecked: (checked: boolean) => void;
}) {
  return (
    <label className="inline">
      <input type="checkbox" checked={props.checked} onChange={(e) => props.onChecked(e.target.checked)} />{' '}
      {props.label}
    </label>
  );
}
