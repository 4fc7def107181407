/** Agents: role, teams, skills, languages and capacity per channel class; create and deactivate. */
import { useState } from 'react';
import { CAPACITY_VALUES, ROLE_VALUES } from '../i18n/enums';
import { useI18n } from '../i18n/i18n';
import { apiClient } from '../lib/api-client';
import type { AgentView, Role } from '../lib/api-types';
import { useWorkspace } from '../lib/workspace';
import {
  AdminForm,
  AdminSection,
  CheckField,
  CheckList,
  EditSlot,
  Field,
  splitList,
  useSave,
  type Editing,
} from './form-bits';

function AgentForm(props: { agent: AgentView | null; onDone: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { teams } = useWorkspace();
  const { agent } = props;
  const [name, setName] = useState(agent?.name ?? '');
  const [email, setEmail] = useState(agent?.email ?? '');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>(agent?.role ?? 'agent');
  const [teamIds, setTeamIds] = useState<string[]>(agent?.teamIds ?? []);
  const [skills, setSkills] = useState((agent?.skills ?? []).join(', '));
  const [languages, setLanguages] = useState((agent?.languages ?? ['zh-CN']).join(', '));
  const [capacity, setCapacity] = useState<Record<string, number>>({
    voice: 1,
    chat: 3,
    messaging: 5,
    email: 10,
    ...(agent?.capacity ?? {}),
  });
  const [active, setActive] = useState(agent?.active ?? true);
  const { run, feedback } = useSave([['agents']]);
  const save = async () => {
    const body = {
      name,
      email,
      role,
      teamIds,
      skills: splitList(skills),
      languages: splitList(languages),
      capacity,
      active,
      ...(password ? { password } : {}),
    };
    if (await run(() => (agent ? apiClient.agents.update(agent.id, body) : apiClient.agents.create(body))))
      props.onDone();
  };
  return (
    <AdminForm label={t('agents')} onSubmit={save} feedback={feedback} onCancel={props.onDone}>
      <Field label={t('name')} value={name} onValue={setName} required />
      <Field label={t('email')} type="email" value={email} onValue={setEmail} required />
      <Field
        label={t('password')}
        type="password"
        value={password}
        autoComplete="new-password"
        required={!agent}
        onValue={setPassword}
      />
      <label>
        {t('role')}
        <select
          aria-label={t('role')}
          value={role}
          onChange={(e) => setRole(ROLE_VALUES.find((r) => r === e.target.value) ?? 'agent')}
        >
          {ROLE_VALUES.map((r) => (
            <option key={r} value={r}>
              {i18n.role(r)}
            </option>
          ))}
        </select>
      </label>
      <CheckList
        legend={t('teams')}
        values={teams.map((team) => team.id)}
        selected={teamIds}
        label={(id) => teams.find((team) => team.id === id)?.name ?? id}
        onChange={setTeamIds}
      />
      <Field label={`${t('skills')} (${t('commaSeparated')})`} value={skills} onValue={setSkills} />
      <Field label={`${t('languages')} (${t('commaSeparated')})`} value={languages} onValue={setLanguages} />
      <fieldset className="checks">
        <legend>{t('capacity')}</legend>
        {CAPACITY_VALUES.map((c) => (
          <label key={c}>
            {i18n.capacity(c)}
            <input
              type="number"
              min={0}
              max={1000}
              value={capacity[c] ?? 0}
              onChange={(e) => setCapacity({ ...capacity, [c]: Number(e.target.value) })}
            />
          </label>
        ))}
      </fieldset>
      <CheckField label={t('enabled')} checked={active} onChecked={setActive} />
    </AdminForm>
  );
}

export function AgentsAdmin() {
  const i18n = useI18n();
  const { t } = i18n;
  const { agents, teamName } = useWorkspace();
  const [editing, setEditing] = useState<Editing<AgentView>>(null);
  return (
    <AdminSection title={t('agents')} onNew={() => setEditing('new')}>
      <EditSlot
        editing={editing}
        onClose={() => setEditing(null)}
        render={(agent, close) => <AgentForm agent={agent} onDone={close} />}
      />
      <table>
        <thead>
          <tr>
            <th>{t('name')}</th>
            <th>{t('email')}</th>
            <th>{t('role')}</th>
            <th>{t('teams')}</th>
            <th>{t('skills')}</th>
            <th>{t('languages')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {agents.map((a) => (
            <tr key={a.id} className={a.active === false ? 'inactive' : ''}>
              <td>{a.name}</td>
              <td>{a.email}</td>
              <td>{a.role ? i18n.role(a.role) : ''}</td>
              <td>{(a.teamIds ?? []).map(teamName).join(', ')}</td>
              <td>{(a.skills ?? []).join(', ')}</td>
              <td>{(a.languages ?? []).join(', ')}</td>
              <td>
                <button type="button" onClick={() => setEditing(a)}>
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
