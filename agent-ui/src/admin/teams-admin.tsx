/** Teams: skills, routing strategy, business calendar and default SLA policy. */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ROUTING_STRATEGY_VALUES } from '../i18n/enums';
import { useI18n } from '../i18n/i18n';
import { apiClient } from '../lib/api-client';
import type { RoutingStrategy, TeamView } from '../lib/api-types';
import { useWorkspace } from '../lib/workspace';
import { splitList, useSave } from './form-bits';

function TeamForm(props: { team: TeamView | null; onDone: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { team } = props;
  const calendars = useQuery({ queryKey: ['calendars'], queryFn: apiClient.sla.calendars });
  const policies = useQuery({ queryKey: ['sla-policies'], queryFn: apiClient.sla.policies });
  const [name, setName] = useState(team?.name ?? '');
  const [skills, setSkills] = useState((team?.skills ?? []).join(', '));
  const [strategy, setStrategy] = useState<RoutingStrategy>(team?.routingStrategy ?? 'longest-idle');
  const [calendarId, setCalendarId] = useState(team?.calendarId ?? '');
  const [slaPolicyId, setSlaPolicyId] = useState(team?.slaPolicyId ?? '');
  const { run, feedback } = useSave([['teams']]);
  const save = async () => {
    const body = {
      name,
      skills: splitList(skills),
      routingStrategy: strategy,
      calendarId: calendarId || null,
      slaPolicyId: slaPolicyId || null,
    };
    if (await run(() => (team ? apiClient.teams.update(team.id, body) : apiClient.teams.create(body))))
      props.onDone();
  };
  return (
    <form
      className="card stack"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label>
        {t('name')}
        <input value={name} onChange={(e) => setName(e.target.value)} required />
      </label>
      <label>
        {t('skills')} ({t('commaSeparated')})
        <input value={skills} onChange={(e) => setSkills(e.target.value)} />
      </label>
      <label>
        {t('strategy')}
        <select
          aria-label={t('strategy')}
          value={strategy}
          onChange={(e) =>
            setStrategy(ROUTING_STRATEGY_VALUES.find((s) => s === e.target.value) ?? 'longest-idle')
          }
        >
          {ROUTING_STRATEGY_VALUES.map((s) => (
            <option key={s} value={s}>
              {i18n.strategy(s)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('calendar')}
        <select aria-label={t('calendar')} value={calendarId} onChange={(e) => setCalendarId(e.target.value)}>
          <option value="">{t('noCalendar')}</option>
          {(calendars.data?.items ?? []).map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('slaPolicies')}
        <select
          aria-label={t('slaPolicies')}
          value={slaPolicyId}
          onChange={(e) => setSlaPolicyId(e.target.value)}
        >
          <option value="">—</option>
          {(policies.data?.items ?? []).map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
      {feedback}
      <div className="row-buttons">
        <button type="submit" className="primary">
          {t('save')}
        </button>
        <button type="button" onClick={props.onDone}>
          {t('cancel')}
        </button>
      </div>
    </form>
  );
}

export function TeamsAdmin() {
  const i18n = useI18n();
  const { t } = i18n;
  const { teams, agents } = useWorkspace();
  const [editing, setEditing] = useState<TeamView | 'new' | null>(null);
  return (
    <section aria-label={t('teams')}>
      <h2>
        {t('teams')}{' '}
        <button type="button" onClick={() => setEditing('new')}>
          + {t('newItem')}
        </button>
      </h2>
      {editing && (
        <TeamForm
          key={editing === 'new' ? 'new' : editing.id}
          team={editing === 'new' ? null : editing}
          onDone={() => setEditing(null)}
        />
      )}
      <table>
        <thead>
          <tr>
            <th>{t('name')}</th>
            <th>{t('agents')}</th>
            <th>{t('skills')}</th>
            <th>{t('strategy')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {teams.map((team) => (
            <tr key={team.id}>
              <td>{team.name}</td>
              <td>{agents.filter((a) => a.teamIds?.includes(team.id)).length}</td>
              <td>{(team.skills ?? []).join(', ')}</td>
              <td>{team.routingStrategy ? i18n.strategy(team.routingStrategy) : ''}</td>
              <td>
                <button type="button" onClick={() => setEditing(team)}>
                  {t('edit')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
