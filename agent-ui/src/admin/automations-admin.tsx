/**
 * Automations (`/api/automations`): the rules in the order they run, each enabled or disabled with one
 * click; a rule editor (trigger, conditions that must all hold, actions in order) with a dry run that lists
 * the recent conversations its conditions match, before anything is saved.
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { CATEGORY_VALUES, PRIORITY_VALUES } from '../i18n/enums';
import { useI18n } from '../i18n/i18n';
import {
  actionNames,
  AUTOMATION_EVENTS,
  AUTOMATION_TRIGGER_TYPES,
  automationEventNames,
  CONDITION_FIELDS,
  CONDITION_OPS,
  conditionFieldNames,
  conditionOpNames,
  SIMPLE_ACTIONS,
  triggerTypeNames,
  type SimpleActionType,
} from '../i18n/workspace-messages';
import { apiClient } from '../lib/api-client';
import type {
  AutomationAction,
  AutomationCondition,
  AutomationDryRun,
  AutomationRule,
  AutomationRuleInput,
  AutomationTrigger,
} from '../lib/api-types';
import { useWorkspace } from '../lib/workspace';
import {
  AdminForm,
  AdminSection,
  CheckField,
  EditSlot,
  Field,
  SelectField,
  splitList,
  useSave,
  type Editing,
} from './form-bits';

const KEY = ['automations'] as const;
const SIMPLE_TYPES = Object.keys(SIMPLE_ACTIONS) as SimpleActionType[];
const isSimple = (type: string): type is SimpleActionType => type in SIMPLE_ACTIONS;
const ACTION_STATUSES = ['open', 'pending', 'resolved', 'closed'] as const;

/** A condition value as typed: lists for in / not in, true / false as booleans, nothing for (not) set. */
function parseValue(op: AutomationCondition['op'], text: string): AutomationCondition['value'] {
  if (op === 'exists' || op === 'not_exists') return undefined;
  const scalar = (s: string) => (s === 'true' ? true : s === 'false' ? false : s);
  return op === 'in' || op === 'not_in' ? splitList(text).map(scalar) : scalar(text.trim());
}
const valueText = (value: AutomationCondition['value']) =>
  Array.isArray(value) ? value.join(', ') : value === undefined || value === null ? '' : String(value);

function useLabels() {
  const i18n = useI18n();
  const lang = i18n.lang;
  return {
    trigger: (trigger: AutomationTrigger) =>
      trigger.type === 'event'
        ? (automationEventNames[lang][trigger.event as (typeof AUTOMATION_EVENTS)[number]] ?? trigger.event)
        : `${triggerTypeNames[lang][trigger.type]} ${trigger.type === 'pending_for' ? trigger.days : trigger.minutes} ${
            trigger.type === 'pending_for' ? i18n.t('triggerDays') : i18n.t('triggerMinutes')
          }`,
    action: (type: string) => actionNames[lang][type as keyof (typeof actionNames)['en']] ?? type,
  };
}

/** The value of a one-field action: a list of choices where the API has one, else text. */
function ActionValue(props: {
  action: AutomationAction;
  index: number;
  onChange: (a: AutomationAction) => void;
}) {
  const i18n = useI18n();
  const { teams, agents } = useWorkspace();
  const { action } = props;
  if (!isSimple(action.type)) return <code>{JSON.stringify(action)}</code>;
  const field = SIMPLE_ACTIONS[action.type];
  const label = `${i18n.t('actionValue')} ${props.index + 1}`;
  const set = (value: unknown) => props.onChange({ type: action.type, [field]: value });
  const choices: { value: string; label: string }[] | null =
    action.type === 'set_priority'
      ? PRIORITY_VALUES.map((v) => ({ value: v, label: i18n.priority(v) }))
      : action.type === 'set_category'
        ? CATEGORY_VALUES.map((v) => ({ value: v, label: i18n.category(v) }))
        : action.type === 'set_status'
          ? ACTION_STATUSES.map((v) => ({ value: v, label: i18n.status(v) }))
          : action.type === 'assign_team'
            ? teams.map((team) => ({ value: team.id, label: team.name }))
            : action.type === 'assign_agent'
              ? agents.map((agent) => ({ value: agent.id, label: agent.name }))
              : null;
  const current = action[field];
  if (choices)
    return (
      <SelectField
        label={label}
        value={typeof current === 'string' ? current : ''}
        options={[{ value: '', label: '—' }, ...choices]}
        onValue={set}
      />
    );
  const text = Array.isArray(current) ? current.join(', ') : typeof current === 'string' ? current : '';
  return <Field label={label} value={text} onValue={(v) => set(field === 'tags' ? splitList(v) : v)} />;
}

function DryRunResult(props: { result: AutomationDryRun }) {
  const { t } = useI18n();
  return (
    <div role="status" data-testid="dry-run">
      <p>
        {t('dryRunResult')
          .replace('{matched}', String(props.result.matched.length))
          .replace('{scanned}', String(props.result.scanned))}
      </p>
      <ul className="plain inline-list">
        {props.result.matched.slice(0, 50).map((m) => (
          <li key={m.id}>
            <Link to={`/conversations/${m.number}`}>#{m.number}</Link>
          </li>
        ))}
      </ul>
    </div>
  );
}

const NEW_RULE: AutomationRuleInput = {
  name: '',
  enabled: true,
  order: 100,
  trigger: { type: 'event', event: 'conversation.created' },
  conditions: [],
  actions: [{ type: 'set_priority', priority: 'high' }],
};

function RuleForm(props: { rule: AutomationRule | null; onDone: () => void }) {
  const i18n = useI18n();
  const { t, lang } = i18n;
  const [rule, setRule] = useState<AutomationRuleInput>(() => {
    if (!props.rule) return NEW_RULE;
    const { id: _id, updatedAt: _updatedAt, ...rest } = props.rule;
    return rest;
  });
  const [texts, setTexts] = useState(() => rule.conditions.map((c) => valueText(c.value)));
  const [dryRun, setDryRun] = useState<AutomationDryRun | null>(null);
  const { run, feedback } = useSave([KEY]);
  const change = (patch: Partial<AutomationRuleInput>) => setRule((prev) => ({ ...prev, ...patch }));

  const conditions = () => rule.conditions.map((c, i) => ({ ...c, value: parseValue(c.op, texts[i] ?? '') }));
  const body = (): AutomationRuleInput => {
    const { description, ...rest } = rule;
    return {
      ...rest,
      ...(description?.trim() ? { description: description.trim() } : {}),
      conditions: conditions().map((c) => (c.value === undefined ? { field: c.field, op: c.op } : c)),
    };
  };
  const save = async () => {
    const input = body();
    if (
      await run(() =>
        props.rule ? apiClient.automations.update(props.rule.id, input) : apiClient.automations.create(input),
      )
    )
      props.onDone();
  };
  const [dryRunError, setDryRunError] = useState<string | null>(null);
  const tryIt = async () => {
    setDryRunError(null);
    try {
      setDryRun(await apiClient.automations.dryRun(body().conditions));
    } catch (err) {
      setDryRun(null);
      setDryRunError(i18n.error(err));
    }
  };

  const setCondition = (index: number, patch: Partial<AutomationCondition>) =>
    change({ conditions: rule.conditions.map((c, i) => (i === index ? { ...c, ...patch } : c)) });
  const trigger = rule.trigger;

  return (
    <AdminForm
      label={t('automations')}
      onSubmit={save}
      feedback={
        <>
          {feedback}
          {dryRun && <DryRunResult result={dryRun} />}
          {dryRunError && (
            <p className="error" role="alert">
              {dryRunError}
            </p>
          )}
        </>
      }
      onCancel={props.onDone}
      extraButtons={
        <button type="button" onClick={() => void tryIt()}>
          {t('dryRun')}
        </button>
      }
    >
      <Field label={t('name')} value={rule.name} onValue={(name) => change({ name })} required />
      <Field
        label={t('description')}
        value={rule.description ?? ''}
        onValue={(description) => change({ description })}
      />
      <Field
        label={t('order')}
        type="number"
        min={0}
        value={rule.order}
        onValue={(v) => change({ order: Number(v) })}
      />
      <CheckField label={t('enabled')} checked={rule.enabled} onChecked={(enabled) => change({ enabled })} />
      <fieldset>
        <legend>{t('trigger')}</legend>
        <SelectField
          label={t('trigger')}
          value={trigger.type}
          options={AUTOMATION_TRIGGER_TYPES.map((v) => ({ value: v, label: triggerTypeNames[lang][v] }))}
          onValue={(type) =>
            change({
              trigger:
                type === 'event'
                  ? { type, event: 'conversation.created' }
                  : type === 'no_customer_reply'
                    ? { type, minutes: 60 }
                    : { type, days: 3 },
            })
          }
        />
        {trigger.type === 'event' && (
          <SelectField
            label={t('trigger') + ' · ' + t('value')}
            value={trigger.event as (typeof AUTOMATION_EVENTS)[number]}
            options={AUTOMATION_EVENTS.map((v) => ({ value: v, label: automationEventNames[lang][v] }))}
            onValue={(event) => change({ trigger: { type: 'event', event } })}
          />
        )}
        {trigger.type === 'no_customer_reply' && (
          <Field
            label={t('triggerMinutes')}
            type="number"
            min={1}
            value={trigger.minutes}
            onValue={(v) => change({ trigger: { type: 'no_customer_reply', minutes: Number(v) } })}
          />
        )}
        {trigger.type === 'pending_for' && (
          <Field
            label={t('triggerDays')}
            type="number"
            min={0.01}
            step={0.01}
            value={trigger.days}
            onValue={(v) => change({ trigger: { type: 'pending_for', days: Number(v) } })}
          />
        )}
      </fieldset>
      <fieldset>
        <legend>{t('conditions')}</legend>
        {rule.conditions.map((c, i) => (
          <div key={i} className="rule-line" data-condition={i}>
            <SelectField
              label={`${t('field')} ${i + 1}`}
              value={c.field as (typeof CONDITION_FIELDS)[number]}
              options={CONDITION_FIELDS.map((f) => ({ value: f, label: conditionFieldNames[lang][f] }))}
              onValue={(field) => setCondition(i, { field })}
            />
            <SelectField
              label={`${t('operator')} ${i + 1}`}
              value={c.op}
              options={CONDITION_OPS.map((op) => ({ value: op, label: conditionOpNames[lang][op] }))}
              onValue={(op) => setCondition(i, { op })}
            />
            {c.op !== 'exists' && c.op !== 'not_exists' && (
              <Field
                label={`${t('value')} ${i + 1}`}
                value={texts[i] ?? ''}
                onValue={(v) => setTexts(texts.map((x, j) => (j === i ? v : x)))}
              />
            )}
            <button
              type="button"
              onClick={() => {
                change({ conditions: rule.conditions.filter((_, j) => j !== i) });
                setTexts(texts.filter((_, j) => j !== i));
              }}
            >
              {t('remove')}
            </button>
          </div>
        ))}
        <button
          type="button"
          onClick={() => {
            change({
              conditions: [...rule.conditions, { field: 'conversation.channel', op: 'eq', value: '' }],
            });
            setTexts([...texts, '']);
          }}
        >
          {t('addCondition')}
        </button>
      </fieldset>
      <fieldset>
        <legend>{t('actions')}</legend>
        {rule.actions.map((a, i) => (
          <div key={i} className="rule-line" data-action={i}>
            {isSimple(a.type) ? (
              <SelectField
                label={`${t('actions')} ${i + 1}`}
                value={a.type}
                options={SIMPLE_TYPES.map((type) => ({ value: type, label: actionNames[lang][type] }))}
                onValue={(type) => change({ actions: rule.actions.map((x, j) => (j === i ? { type } : x)) })}
              />
            ) : (
              <strong>{actionNames[lang][a.type as 'notify'] ?? a.type}</strong>
            )}
            <ActionValue
              action={a}
              index={i}
              onChange={(next) => change({ actions: rule.actions.map((x, j) => (j === i ? next : x)) })}
            />
            <button type="button" onClick={() => change({ actions: rule.actions.filter((_, j) => j !== i) })}>
              {t('remove')}
            </button>
          </div>
        ))}
        <button
          type="button"
          onClick={() => change({ actions: [...rule.actions, { type: 'add_tags', tags: [] }] })}
        >
          {t('addAction')}
        </button>
      </fieldset>
    </AdminForm>
  );
}

export function AutomationsAdmin() {
  const i18n = useI18n();
  const { t } = i18n;
  const labels = useLabels();
  const list = useQuery({ queryKey: KEY, queryFn: apiClient.automations.list });
  const [editing, setEditing] = useState<Editing<AutomationRule>>(null);
  const { run, feedback } = useSave([KEY]);
  return (
    <AdminSection title={t('automations')} onNew={() => setEditing('new')} error={list.error}>
      <EditSlot
        editing={editing}
        onClose={() => setEditing(null)}
        render={(rule, close) => <RuleForm rule={rule} onDone={close} />}
      />
      {feedback}
      <table>
        <thead>
          <tr>
            <th>{t('order')}</th>
            <th>{t('name')}</th>
            <th>{t('trigger')}</th>
            <th>{t('actions')}</th>
            <th>{t('enabled')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {[...(list.data?.items ?? [])]
            .sort((a, b) => a.order - b.order)
            .map((rule) => (
              <tr key={rule.id} data-rule={rule.name} className={rule.enabled ? '' : 'inactive'}>
                <td>{rule.order}</td>
                <td>{rule.name}</td>
                <td>{labels.trigger(rule.trigger)}</td>
                <td>{rule.actions.map((a) => labels.action(a.type)).join(', ')}</td>
                <td>{rule.enabled ? t('enabled') : t('disabled')}</td>
                <td className="row-buttons">
                  <button
                    type="button"
                    onClick={() =>
                      void run(() => apiClient.automations.update(rule.id, { enabled: !rule.enabled }))
                    }
                  >
                    {rule.enabled ? t('disable') : t('enable')}
                  </button>
                  <button type="button" onClick={() => setEditing(rule)}>
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
