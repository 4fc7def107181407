/**
 * SLA policies: conditions (category, priority, channel, team, tier), a business calendar, targets in
 * business minutes and the warning threshold. The first enabled policy (by order) whose conditions match
 * a new conversation sets its due times.
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { CHANNEL_KINDS } from '../../../connectors/channel';
import { CATEGORY_VALUES, PRIORITY_VALUES, SLA_TARGET_VALUES } from '../i18n/enums';
import { useI18n } from '../i18n/i18n';
import { apiClient } from '../lib/api-client';
import type { SlaPolicyView, SlaTarget } from '../lib/api-types';
import { useWorkspace } from '../lib/workspace';
import {
  AdminForm,
  AdminSection,
  CheckList,
  EditSlot,
  Field,
  splitList,
  useSave,
  type Editing,
} from './form-bits';

const KEY = ['sla-policies'] as const;

function PolicyForm(props: { policy: SlaPolicyView | null; onDone: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { teams } = useWorkspace();
  const calendars = useQuery({ queryKey: ['calendars'], queryFn: apiClient.sla.calendars });
  const { policy } = props;
  const [name, setName] = useState(policy?.name ?? '');
  const [order, setOrder] = useState(policy?.order ?? 100);
  const [enabled, setEnabled] = useState(policy?.enabled ?? true);
  const [isDefault, setIsDefault] = useState(policy?.isDefault ?? false);
  const [conditions, setConditions] = useState(policy?.conditions ?? {});
  const [tiers, setTiers] = useState((policy?.conditions.tiers ?? []).join(', '));
  const [calendarId, setCalendarId] = useState(policy?.calendarId ?? '');
  const [targets, setTargets] = useState<Partial<Record<SlaTarget, number>>>(
    policy?.targets ?? { firstResponse: 60, resolution: 480 },
  );
  const [warning, setWarning] = useState(policy?.warningThreshold ?? 0.8);
  const { run, feedback } = useSave([KEY]);

  const save = async () => {
    const cleanTargets = Object.fromEntries(
      Object.entries(targets).filter(([, v]) => typeof v === 'number' && v > 0),
    );
    const body = {
      name,
      order,
      enabled,
      isDefault,
      conditions: { ...conditions, tiers: splitList(tiers) },
      calendarId: calendarId || null,
      targets: cleanTargets,
      warningThreshold: warning,
    };
    if (
      await run(() =>
        policy ? apiClient.sla.updatePolicy(policy.id, body) : apiClient.sla.createPolicy(body),
      )
    )
      props.onDone();
  };

  return (
    <AdminForm label={t('slaPolicies')} onSubmit={save} feedback={feedback} onCancel={props.onDone}>
      <Field label={t('name')} value={name} onValue={setName} required />
      <label>
        {t('order')}
        <input type="number" min={0} value={order} onChange={(e) => setOrder(Number(e.target.value))} />
      </label>
      <label className="inline">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />{' '}
        {t('enabled')}
      </label>
      <label className="inline">
        <input type="checkbox" checked={isDefault} onChange={(e) => setIsDefault(e.target.checked)} />{' '}
        {t('isDefault')}
      </label>
      <fieldset>
        <legend>{t('conditions')}</legend>
        <CheckList
          legend={t('category')}
          values={CATEGORY_VALUES}
          selected={conditions.categories ?? []}
          label={i18n.category}
          onChange={(categories) => setConditions({ ...conditions, categories })}
        />
        <CheckList
          legend={t('priority')}
          values={PRIORITY_VALUES}
          selected={conditions.priorities ?? []}
          label={i18n.priority}
          onChange={(priorities) => setConditions({ ...conditions, priorities })}
        />
        <CheckList
          legend={t('channel')}
          values={CHANNEL_KINDS}
          selected={conditions.channels ?? []}
          label={i18n.channel}
          onChange={(channels) => setConditions({ ...conditions, channels })}
        />
        <CheckList
          legend={t('teams')}
          values={teams.map((team) => team.id)}
          selected={conditions.teamIds ?? []}
          label={(id) => teams.find((team) => team.id === id)?.name ?? id}
          onChange={(teamIds) => setConditions({ ...conditions, teamIds })}
        />
        <label>
          {t('tier')} ({t('commaSeparated')})
          <input value={tiers} onChange={(e) => setTiers(e.target.value)} />
        </label>
      </fieldset>
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
      <fieldset className="checks">
        <legend>{t('targetsMinutes')}</legend>
        {SLA_TARGET_VALUES.map((target) => (
          <label key={target}>
            {i18n.target(target)}
            <input
              type="number"
              min={0}
              step="any"
              value={targets[target] ?? ''}
              onChange={(e) =>
                setTargets({
                  ...targets,
                  [target]: e.target.value === '' ? undefined : Number(e.target.value),
                })
              }
            />
          </label>
        ))}
      </fieldset>
      <label>
        {t('warningAt')}
        <input
          type="number"
          min={0.05}
          max={0.99}
          step={0.05}
          value={warning}
          onChange={(e) => setWarning(Number(e.target.value))}
        />
      </label>
    </AdminForm>
  );
}

export function SlaPoliciesAdmin() {
  const i18n = useI18n();
  const { t } = i18n;
  const list = useQuery({ queryKey: KEY, queryFn: apiClient.sla.policies });
  const calendars = useQuery({ queryKey: ['calendars'], queryFn: apiClient.sla.calendars });
  const [editing, setEditing] = useState<Editing<SlaPolicyView>>(null);
  const calendarName = (id: string | null) =>
    id ? (calendars.data?.items.find((c) => c.id === id)?.name ?? '') : t('noCalendar');
  return (
    <AdminSection title={t('slaPolicies')} onNew={() => setEditing('new')} error={list.error}>
      <EditSlot
        editing={editing}
        onClose={() => setEditing(null)}
        render={(policy, close) => <PolicyForm policy={policy} onDone={close} />}
      />
      <table>
        <thead>
          <tr>
            <th>{t('order')}</th>
            <th>{t('name')}</th>
            <th>{t('conditions')}</th>
            <th>{t('targetsMinutes')}</th>
            <th>{t('calendar')}</th>
            <th>{t('enabled')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {[...(list.data?.items ?? [])]
            .sort((a, b) => a.order - b.order)
            .map((p) => (
              <tr key={p.id}>
                <td>{p.order}</td>
                <td>
                  {p.name} {p.isDefault && <span className="badge">{t('isDefault')}</span>}
                </td>
                <td>
                  {[
                    ...(p.conditions.categories ?? []).map(i18n.category),
                    ...(p.conditions.priorities ?? []).map(i18n.priority),
                    ...(p.conditions.channels ?? []).map(i18n.channel),
                    ...(p.conditions.tiers ?? []).map(i18n.tier),
                  ].join(', ')}
                </td>
                <td>
                  {SLA_TARGET_VALUES.filter((target) => p.targets[target])
                    .map((target) => `${i18n.target(target)} ${p.targets[target]} ${t('minutes')}`)
                    .join(' · ')}
                </td>
                <td>{calendarName(p.calendarId)}</td>
                <td>{p.enabled ? '✓' : '✗'}</td>
                <td>
                  <button type="button" onClick={() => setEditing(p)}>
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
