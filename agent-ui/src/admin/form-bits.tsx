/** Small shared pieces of the admin forms. */
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
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
