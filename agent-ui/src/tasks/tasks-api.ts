/** The tasks API (`/api/tasks`) and the contact's care opt-out, for the Tasks screen and the contact sidebar. */
import type { TaskSummary } from '../../../server/realtime/socket-events';
import { queryString, request } from '../lib/api-client';

export type { TaskSummary };
export type TaskOutcome = NonNullable<TaskSummary['result']>['outcome'];
export const VISIT_OUTCOMES = ['satisfied', 'not_satisfied', 'reached', 'not_reached'] as const;

export interface TaskQuery {
  scope?: 'mine' | 'team' | 'all';
  status?: 'open' | 'done' | 'any';
  contactId?: string;
  dueBefore?: string;
  cursor?: string;
  limit?: number;
}

async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
  return (await (await request(method, path, body)).json()) as T;
}

export const tasksApi = {
  list: (query: TaskQuery) =>
    json<{ items: TaskSummary[]; nextCursor: string | null }>(
      'GET',
      `/api/tasks${queryString({ ...query })}`,
    ),
  complete: (id: string, outcome: TaskOutcome, note: string) =>
    json<TaskSummary>('POST', `/api/tasks/${id}/complete`, {
      outcome,
      ...(note.trim() ? { note: note.trim() } : {}),
    }),
  setCareOptOut: (contactId: string, careOptOut: boolean) =>
    json<{ careOptOut: boolean }>('PATCH', `/api/contacts/${contactId}`, { careOptOut }),
};

/** Query keys of task lists (every list starts with `tasks`, so one invalidation refreshes them all). */
export const taskKeys = {
  all: ['tasks'] as const,
  list: (query: TaskQuery) => ['tasks', query] as const,
};
