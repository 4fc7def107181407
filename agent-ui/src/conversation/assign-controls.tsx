/**
 * Who owns the conversation and how it moves: assign to me, transfer to an agent or a team (with a note
 * for the next person; the assignee or a supervisor), reassign (supervisors).
 */
import { useState } from 'react';
import { useI18n } from '../i18n/i18n';
import { apiClient } from '../lib/api-client';
import type { ConversationDetail } from '../lib/api-types';
import { useWorkspace } from '../lib/workspace';

export function AssignControls(props: {
  conversation: ConversationDetail;
  onApply: (task: () => Promise<unknown>) => Promise<void>;
}) {
  const { t } = useI18n();
  const workspace = useWorkspace();
  const { conversation } = props;
  const [mode, setMode] = useState<'transfer' | 'reassign' | null>(null);
  const [target, setTarget] = useState('');
  const [note, setNote] = useState('');
  const me = workspace.session.agent.id;
  const isMine = conversation.assigneeId === me;
  const canTransfer = isMine || workspace.isSupervisor;

  const submit = async () => {
    const [kind, id] = target.split(':');
    if (!id) return;
    if (mode === 'reassign') await props.onApply(() => apiClient.conversations.reassign(conversation.id, id));
    else
      await props.onApply(() =>
        apiClient.conversations.transfer(conversation.id, {
          ...(kind === 'team' ? { teamId: id } : { agentId: id }),
          ...(note.trim() ? { note: note.trim() } : {}),
        }),
      );
    setMode(null);
    setTarget('');
    setNote('');
  };

  return (
    <div className="assign">
      <span data-testid="assignee">
        {t('assignedTo')}:{' '}
        <strong>
          {conversation.assigneeId ? workspace.agentName(conversation.assigneeId) : t('unassigned')}
        </strong>
        {conversation.teamId && ` · ${t('team')}: ${workspace.teamName(conversation.teamId)}`}
      </span>
      {!isMine && (
        <button
          type="button"
          onClick={() => void props.onApply(() => apiClient.conversations.assign(conversation.id, me))}
        >
          {t('assignToMe')}
        </button>
      )}
      {canTransfer && (
        <button
          type="button"
          aria-expanded={mode === 'transfer'}
          onClick={() => setMode(mode === 'transfer' ? null : 'transfer')}
        >
          {t('transfer')}
        </button>
      )}
      {workspace.isSupervisor && (
        <button
          type="button"
          aria-expanded={mode === 'reassign'}
          onClick={() => setMode(mode === 'reassign' ? null : 'reassign')}
        >
          {t('reassign')}
        </button>
      )}
      {mode && (
        <div
          className="assign-form"
          role="group"
          aria-label={mode === 'reassign' ? t('reassign') : t('transfer')}
        >
          <label>
            {mode === 'reassign' ? t('reassignTo') : t('transferTo')}
            <select
              aria-label={mode === 'reassign' ? t('reassignTo') : t('transferTo')}
              value={target}
              onChange={(e) => setTarget(e.target.value)}
            >
              <option value="">—</option>
              <optgroup label={t('agents')}>
                {workspace.agents
                  .filter((a) => a.id !== conversation.assigneeId && a.active !== false)
                  .map((a) => (
                    <option key={a.id} value={`agent:${a.id}`}>
                      {a.name}
                    </option>
                  ))}
              </optgroup>
              {mode === 'transfer' && (
                <optgroup label={t('teams')}>
                  {workspace.teams.map((team) => (
                    <option key={team.id} value={`team:${team.id}`}>
                      {team.name}
                    </option>
                  ))}
                </optgroup>
              )}
            </select>
          </label>
          {mode === 'transfer' && (
            <label>
              {t('transferNote')}
              <input value={note} onChange={(e) => setNote(e.target.value)} />
            </label>
          )}
          <button type="button" className="primary" disabled={!target} onClick={() => void submit()}>
            {t('confirm')}
          </button>
          <button type="button" onClick={() => setMode(null)}>
            {t('cancel')}
          </button>
        </div>
      )}
    </div>
  );
}
