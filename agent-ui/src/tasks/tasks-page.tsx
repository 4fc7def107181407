/**
 * The Tasks screen (/app/tasks): my open tasks or my teams' (supervisors: everyone's), optionally only
 * those due by the end of today, oldest due first, by cursor; each completed with its result. Lists
 * refresh on `task:updated`.
 */
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useI18n } from '../i18n/i18n';
import { useNow } from '../lib/use-now';
import { useWorkspace } from '../lib/workspace';
import { TaskItem } from './task-item';
import { taskKeys, tasksApi, type TaskQuery } from './tasks-api';

/** Refetches every task list when a task is created or completed (for this agent, a team, or everyone). */
export function useTaskUpdates(): void {
  const { socket } = useWorkspace();
  const client = useQueryClient();
  useEffect(
    () => socket.on('task:updated', () => void client.invalidateQueries({ queryKey: taskKeys.all })),
    [socket, client],
  );
}

const endOfToday = () => {
  const end = new Date();
  end.setHours(23, 59, 59, 999);
  return end.toISOString();
};

export function TasksPage() {
  const { t } = useI18n();
  const workspace = useWorkspace();
  const now = useNow(30_000);
  const [scope, setScope] = useState<NonNullable<TaskQuery['scope']>>('mine');
  const [dueToday, setDueToday] = useState(false);
  useTaskUpdates();
  const query: TaskQuery = {
    scope,
    status: 'open',
    limit: 50,
    ...(dueToday ? { dueBefore: endOfToday() } : {}),
  };
  const list = useInfiniteQuery({
    queryKey: taskKeys.list(query),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => tasksApi.list({ ...query, ...(pageParam ? { cursor: pageParam } : {}) }),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
  const items = list.data?.pages.flatMap((page) => page.items) ?? [];
  const scopes: { value: NonNullable<TaskQuery['scope']>; label: string }[] = [
    { value: 'mine', label: t('tasksMine') },
    { value: 'team', label: t('tasksTeam') },
    ...(workspace.isSupervisor ? [{ value: 'all' as const, label: t('tasksAll') }] : []),
  ];
  return (
    <main className="page tasks" data-testid="tasks-page">
      <h2>{t('tasks')}</h2>
      <div className="row-buttons" role="group" aria-label={t('tasks')}>
        {scopes.map((option) => (
          <button
            key={option.value}
            type="button"
            className={scope === option.value ? 'primary' : ''}
            aria-pressed={scope === option.value}
            onClick={() => setScope(option.value)}
          >
            {option.label}
          </button>
        ))}
        <label>
          <input type="checkbox" checked={dueToday} onChange={(e) => setDueToday(e.target.checked)} />{' '}
          {t('tasksDueToday')}
        </label>
      </div>
      {list.isSuccess && items.length === 0 && <p className="muted">{t('tasksNone')}</p>}
      <ul className="plain task-list">
        {items.map((task) => (
          <TaskItem key={task.id} task={task} now={now} />
        ))}
      </ul>
      {list.hasNextPage && (
        <button type="button" onClick={() => void list.fetchNextPage()}>
          {t('tasksMore')}
        </button>
      )}
    </main>
  );
}
