/**
 * The contact sidebar's care section: the contact's follow-up visits and other tasks (open first, then the
 * latest results), and the care opt-out switch (no greetings or care messages when off).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useI18n } from '../i18n/i18n';
import { useNow } from '../lib/use-now';
import { TaskItem } from './task-item';
import { taskKeys, tasksApi } from './tasks-api';
import { useTaskUpdates } from './tasks-page';

export function ContactCare(props: { contactId: string; careOptOut: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const client = useQueryClient();
  const now = useNow(30_000);
  const [error, setError] = useState<string | null>(null);
  useTaskUpdates();
  const open = useQuery({
    queryKey: taskKeys.list({ contactId: props.contactId, status: 'open' }),
    queryFn: () => tasksApi.list({ contactId: props.contactId, status: 'open', limit: 20 }),
  });
  const done = useQuery({
    queryKey: taskKeys.list({ contactId: props.contactId, status: 'done' }),
    queryFn: () => tasksApi.list({ contactId: props.contactId, status: 'done', limit: 5 }),
  });
  const toggle = async () => {
    try {
      await tasksApi.setCareOptOut(props.contactId, !props.careOptOut);
      await client.invalidateQueries({ queryKey: ['contact', props.contactId] });
    } catch (err) {
      setError(i18n.error(err));
    }
  };
  const tasks = [...(open.data?.items ?? []), ...(done.data?.items ?? [])];
  return (
    <section className="contact-care" data-testid="contact-care" aria-label={t('followUps')}>
      <h4>{t('followUps')}</h4>
      <ul className="plain task-list">
        {tasks.map((task) => (
          <TaskItem key={task.id} task={task} now={now} />
        ))}
      </ul>
      {open.isSuccess && tasks.length === 0 && <p className="muted">{t('tasksNone')}</p>}
      <h4>{t('careMessages')}</h4>
      <p data-testid="care-opt-out">{props.careOptOut ? t('careOptedOut') : t('careOptedIn')}</p>
      <button type="button" onClick={() => void toggle()}>
        {props.careOptOut ? t('careOptInAction') : t('careOptOutAction')}
      </button>
      {error && <p className="error">{error}</p>}
    </section>
  );
}
