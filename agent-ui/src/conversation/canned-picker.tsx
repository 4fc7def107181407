/**
 * `/` in an empty composer opens the canned responses (`/api/canned-responses`): typing filters by
 * shortcut, title and text; ↑/↓ choose, Enter or a click inserts the response rendered for this
 * conversation (variables filled, the missing ones named), Escape closes.
 */
import { useQuery } from '@tanstack/react-query';
import { useI18n } from '../i18n/i18n';
import { apiClient } from '../lib/api-client';
import type { CannedResponse } from '../lib/api-types';

/** The search text when the draft is a `/shortcut` being typed, else null. */
export function cannedQuery(text: string): string | null {
  const match = /^\/([\w-]*)$/.exec(text);
  return match ? (match[1] ?? '') : null;
}

export function CannedPicker(props: {
  query: string;
  active: number;
  onItems: (items: CannedResponse[]) => void;
  onPick: (item: CannedResponse) => void;
}) {
  const { t } = useI18n();
  const results = useQuery({
    queryKey: ['canned', props.query],
    queryFn: async () => {
      const page = await apiClient.canned.search(props.query);
      props.onItems(page.items);
      return page.items;
    },
  });
  const items = results.data ?? [];
  return (
    <ul className="canned" role="listbox" aria-label={t('cannedResponses')} data-testid="canned-picker">
      {items.length === 0 && results.isSuccess && <li className="muted">{t('noCanned')}</li>}
      {items.map((item, index) => (
        <li
          key={item.id}
          role="option"
          aria-selected={index === props.active}
          className={index === props.active ? 'active' : ''}
          onMouseDown={(e) => {
            e.preventDefault();
            props.onPick(item);
          }}
        >
          <code>/{item.shortcut}</code> <strong>{item.title}</strong>
          <span className="muted"> {item.text.slice(0, 80)}</span>
        </li>
      ))}
    </ul>
  );
}
