/**
 * One task as a list item: kind, title, due time (overdue marked), its conversation, and the completion
 * form (a 回访 records reached / satisfied / not satisfied / not reached with a note; other tasks "done").
 */
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';
import { taskKeys, tasksApi, VISIT_OUTCOMES, type TaskOutcome, type TaskSummary } from './tasks-api';

const KIND_KEYS: Record<TaskSummary['kind'], MessageKey> = {
  follow_up: 'taskKindFollowUp',
  automation: 'taskKindAutomation',
  manual: 'taskKindManual',
};
export const OUTCOME_KEYS: Record<TaskOutcome, MessageKey> = {
  done: 'outcomeDone',
  reached: 'outcomeReached',
  satisfied: 'outcomeSatisfied',
  not_satisfied: 'outcomeNotSatisfied',
  not_reached: 'outcomeNotReached',
};

function CompleteTaskForm(props: { task: TaskSummary; onDone: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const client = useQueryClient();
  const isVisit = props.task.kind === 'follow_up';
  const [outcome, setOutcome] = useState<TaskOutcome>(isVisit ? 'satisfied' : 'done');
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    try {
      await tasksApi.complete(props.task.id, outcome, note);
      await client.invalidateQueries({ queryKey: taskKeys.all });
      props.onDone();
    } catch (err) {
      setError(i18n.error(err));
    }
  };
  return (
    <form
      className="stack"
      data-testid="complete-task"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      {isVisit && (
        <label>
          {t('taskResult')}
          <select name="outcome" value={outcome} onChange={(e) => setOutcome(e.target.value as TaskOutcome)}>
            {VISIT_OUTCOMES.map((value) => (
              <option key={value} value={value}>
                {t(OUTCOME_KEYS[value])}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        {t('taskNote')}
        <textarea
          name="note"
          rows={2}
          value={note}
          onChange={(e) => setNote(e.target.value)}
          maxLength={4000}
        />
      </label>
      {error && <p className="error">{error}</p>}
      <div className="row-buttons">
        <button type="submit" className="primary">
          {t('taskSaveResult')}
        </button>
        <button type="button" onClick={props.onDone}>
          {t('cancel')}
        </button>
      </div>
    </form>
  );
}

export function TaskItem(props: { task: TaskSummary; now: number; conversationNumber?: number }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { task } = props;
  const [completing, setCompleting] = useState(false);
  const overdue = task.status === 'open' && new Date(task.dueAt).getTime() < props.now;
  return (
    <li className={`task ${task.kind}${overdue ? ' overdue' : ''}`} data-testid="task" data-task-id={task.id}>
      <div>
        <span className="badge">{t(KIND_KEYS[task.kind])}</span> <strong>{task.title}</strong>
      </div>
      <div className="meta">
        {task.status === 'open' ? (
          <span className={overdue ? 'error' : ''}>
            {overdue ? t('taskOverdue') : t('taskDue')} {i18n.dateTime(task.dueAt)}
          </span>
        ) : (
          <span data-testid="task-result">
            {t('taskDoneAt')} {i18n.dateTime(task.result?.completedAt)} ·{' '}
            {task.result ? t(OUTCOME_KEYS[task.result.outcome]) : ''}
            {task.result?.note ? ` · ${task.result.note}` : ''}
          </span>
        )}
        {task.conversationId && (
          <>
            {' · '}
            <Link to={`/conversations/${props.conversationNumber ?? task.conversationId}`}>
              {t('taskOpenConversation')}
            </Link>
          </>
        )}
      </div>
      {task.description && <p className="muted">{task.description}</p>}
      {task.status === 'open' &&
        (completing ? (
          <CompleteTaskForm task={task} onDone={() => setCompleting(false)} />
        ) : (
          <button type="button" onClick={() => setCompleting(true)}>
            {t('taskComplete')}
          </button>
        ))}
    </li>
  );
}
