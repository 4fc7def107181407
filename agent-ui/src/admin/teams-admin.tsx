/** Teams: skills, routing strategy, business calendar and default SLA policy. */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ROUTING_STRATEGY_VALUES } from '../i18n/enums';
import { useI18n } from '../i18n/i18n';
import { apiClient } from '../lib/api-client';
import type { RoutingStrategy, TeamView } from '../lib/api-types';
import { useWorkspace } from '../lib/workspace';
import { AdminForm, AdminSection, EditSlot, Field, splitList, useSave, type Editing } from './form-bits';

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
    <AdminForm label={t('teams')} onSubmit={save} feedback={feedback} onCancel={props.onDone}>
      <Field label={t('name')} value={name} onValue={setName} required />
      <Field label={`${t('skills')} (${t('commaSeparated')})`} value={skills} onValue={setSkills} />
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
    </AdminForm>
  );
}

export function TeamsAdmin() {
  const i18n = useI18n();
  const { t } = i18n;
  const { teams, agents } = useWorkspace();
  const [editing, setEditing] = useState<Editing<TeamView>>(null);
  return (
    <AdminSection title={t('teams')} onNew={() => setEditing('new')}>
      <EditSlot
        editing={editing}
        onClose={() => setEditing(null)}
        render={(team, close) => <TeamForm team={team} onDone={close} />}
      />
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
    </AdminSection>
  );
}
