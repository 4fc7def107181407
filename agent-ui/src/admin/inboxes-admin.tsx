/**
 * Inboxes (configured channels). Secrets are write-only: the API answers only which ones are set (with a
 * masked hint); a new value replaces one, and nothing here can read a secret back.
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { CHANNEL_KINDS } from '../../../connectors/channel';
import { useI18n } from '../i18n/i18n';
import { apiClient } from '../lib/api-client';
import type { ChannelKind, InboxView } from '../lib/api-types';
import { useWorkspace } from '../lib/workspace';
import { AdminForm, AdminSection, CheckField, EditSlot, Field, useSave, type Editing } from './form-bits';

const KEY = ['inboxes'] as const;

function secretNames(inbox: InboxView | null): string[] {
  return inbox?.credentials ? Object.keys(inbox.credentials) : [];
}

function InboxForm(props: { inbox: InboxView | null; onDone: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { teams } = useWorkspace();
  const { inbox } = props;
  const [name, setName] = useState(inbox?.name ?? '');
  const [channel, setChannel] = useState<ChannelKind>(inbox?.channel ?? 'sms');
  const [address, setAddress] = useState(inbox?.address ?? '');
  const [teamId, setTeamId] = useState(inbox?.teamId ?? '');
  const [enabled, setEnabled] = useState(inbox?.enabled ?? true);
  const [secretKey, setSecretKey] = useState('');
  const [secretValue, setSecretValue] = useState('');
  const [removed, setRemoved] = useState<string[]>([]);
  const { run, feedback } = useSave([KEY]);

  const save = async () => {
    const credentials: Record<string, string | null> = Object.fromEntries(removed.map((k) => [k, null]));
    if (secretKey.trim() && secretValue) credentials[secretKey.trim()] = secretValue;
    const hasSecrets = Object.keys(credentials).length > 0;
    const ok = await run(() =>
      inbox
        ? apiClient.inboxes.update(inbox.id, {
            name,
            address: address || null,
            teamId: teamId || null,
            enabled,
            ...(hasSecrets ? { credentials } : {}),
          })
        : apiClient.inboxes.create({
            name,
            channel,
            ...(address ? { address } : {}),
            ...(teamId ? { teamId } : {}),
            enabled,
            ...(hasSecrets
              ? { credentials: Object.fromEntries(Object.entries(credentials).filter(([, v]) => v)) }
              : {}),
          }),
    );
    if (ok) {
      setSecretValue('');
      setSecretKey('');
      props.onDone();
    }
  };

  return (
    <AdminForm
      label={inbox ? `${t('edit')} ${inbox.name}` : `${t('create')} ${t('inboxes')}`}
      onSubmit={save}
      feedback={feedback}
      onCancel={props.onDone}
    >
      <Field label={t('name')} value={name} onValue={setName} required />
      <label>
        {t('channel')}
        <select
          aria-label={t('channel')}
          value={channel}
          disabled={Boolean(inbox)}
          onChange={(e) => setChannel(CHANNEL_KINDS.find((c) => c === e.target.value) ?? 'sms')}
        >
          {CHANNEL_KINDS.map((c) => (
            <option key={c} value={c}>
              {i18n.channel(c)}
            </option>
          ))}
        </select>
      </label>
      <Field label={t('address')} value={address} onValue={setAddress} />
      <label>
        {t('team')}
        <select aria-label={t('team')} value={teamId} onChange={(e) => setTeamId(e.target.value)}>
          <option value="">{t('noTeam')}</option>
          {teams.map((team) => (
            <option key={team.id} value={team.id}>
              {team.name}
            </option>
          ))}
        </select>
      </label>
      <CheckField label={t('enabled')} checked={enabled} onChecked={setEnabled} />
      <fieldset>
        <legend>{t('secrets')}</legend>
        <ul className="plain">
          {secretNames(inbox)
            .filter((k) => !removed.includes(k))
            .map((k) => (
              <li key={k}>
                <code>{k}</code> · {t('secretSet')}{' '}
                <button type="button" onClick={() => setRemoved([...removed, k])}>
                  {t('remove')}
                </button>
              </li>
            ))}
        </ul>
        <Field label={t('secretKey')} value={secretKey} onValue={setSecretKey} autoComplete="off" />
        <Field
          label={t('secretValue')}
          type="password"
          value={secretValue}
          onValue={setSecretValue}
          autoComplete="new-password"
        />
      </fieldset>
    </AdminForm>
  );
}

export function InboxesAdmin() {
  const i18n = useI18n();
  const { t } = i18n;
  const { teamName } = useWorkspace();
  const list = useQuery({ queryKey: KEY, queryFn: apiClient.inboxes.list });
  const [editing, setEditing] = useState<Editing<InboxView>>(null);
  return (
    <AdminSection title={t('inboxes')} onNew={() => setEditing('new')} error={list.error}>
      <EditSlot
        editing={editing}
        onClose={() => setEditing(null)}
        render={(inbox, close) => <InboxForm inbox={inbox} onDone={close} />}
      />
      <table>
        <thead>
          <tr>
            <th>{t('name')}</th>
            <th>{t('channel')}</th>
            <th>{t('address')}</th>
            <th>{t('team')}</th>
            <th>{t('enabled')}</th>
            <th>{t('secrets')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(list.data?.items ?? []).map((inbox) => (
            <tr key={inbox.id}>
              <td>{inbox.name}</td>
              <td>{i18n.channel(inbox.channel)}</td>
              <td>{inbox.address ?? ''}</td>
              <td>{teamName(inbox.teamId)}</td>
              <td>{inbox.enabled === false ? '✗' : '✓'}</td>
              <td>{secretNames(inbox).join(', ')}</td>
              <td>
                <button type="button" onClick={() => setEditing(inbox)}>
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
