/**
 * Contact 360 next to the conversation: identities per channel (phone numbers shown as numbers, not
 * `whatsapp:+86…`), tier and tags, organization, birthday, past conversations across channels; edit;
 * merge into another contact (supervisors and admins, as the API allows).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { channelIcons } from '../i18n/enums';
import { useI18n } from '../i18n/i18n';
import { apiClient } from '../lib/api-client';
import type { ChannelKind, ContactView, ConversationDetail } from '../lib/api-types';
import { keys } from '../lib/live-cache';
import { useWorkspace } from '../lib/workspace';
import { ContactTierScores } from './contact-tier-scores';
import { ContactCare } from '../tasks/contact-care';
import { ContactNetwork } from './contact-network';

const TIERS = ['A', 'B', 'C', 'VIP'] as const;

/** What a person reads for an identity: the handle or number without the transport prefix. */
export function identityLabel(identity: { externalId: string; handle?: string | null }): string {
  return (identity.handle || identity.externalId).replace(/^(whatsapp|sms|tel|wechat|telegram):/i, '');
}

function EditContact(props: { contact: ContactView; onDone: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const client = useQueryClient();
  const [name, setName] = useState(props.contact.name ?? '');
  const [tier, setTier] = useState(props.contact.tier ?? '');
  const [tags, setTags] = useState((props.contact.tags ?? []).join(', '));
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    try {
      await apiClient.contacts.update(props.contact.id, {
        name: name.trim(),
        tier: tier || null,
        tags: tags
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      });
      await client.invalidateQueries({ queryKey: ['contact', props.contact.id] });
      await client.invalidateQueries({ queryKey: ['conversation'] });
      props.onDone();
    } catch (err) {
      setError(i18n.error(err));
    }
  };
  return (
    <form
      className="stack"
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
        {t('tier')}
        <select aria-label={t('tier')} value={tier} onChange={(e) => setTier(e.target.value)}>
          <option value="">{t('noTier')}</option>
          {TIERS.map((v) => (
            <option key={v} value={v}>
              {i18n.tier(v)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('tags')} ({t('commaSeparated')})
        <input value={tags} onChange={(e) => setTags(e.target.value)} />
      </label>
      {error && <p className="error">{error}</p>}
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

function MergeContact(props: { contact: ContactView; onDone: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const client = useQueryClient();
  const [q, setQ] = useState('');
  const [error, setError] = useState<string | null>(null);
  const results = useQuery({
    queryKey: ['contact-search', q],
    enabled: q.trim().length >= 2,
    queryFn: () => apiClient.contacts.search(q.trim()),
  });
  const merge = async (target: ContactView) => {
    try {
      await apiClient.contacts.merge(props.contact.id, target.id);
      await client.invalidateQueries({ queryKey: ['conversation'] });
      await client.invalidateQueries({ queryKey: keys.lists });
      props.onDone();
    } catch (err) {
      setError(i18n.error(err));
    }
  };
  return (
    <div className="stack">
      <label>
        {t('mergeSearch')}
        <input type="search" value={q} onChange={(e) => setQ(e.target.value)} />
      </label>
      <ul className="plain">
        {(results.data?.items ?? [])
          .filter((c) => c.id !== props.contact.id)
          .map((c) => (
            <li key={c.id}>
              <button type="button" className="link" onClick={() => void merge(c)}>
                {c.name} {(c.phones ?? [])[0] ?? (c.emails ?? [])[0] ?? ''}
              </button>
            </li>
          ))}
      </ul>
      {error && <p className="error">{error}</p>}
      <button type="button" onClick={props.onDone}>
        {t('cancel')}
      </button>
    </div>
  );
}

export function ContactSidebar(props: { conversation: ConversationDetail }) {
  const i18n = useI18n();
  const { t } = i18n;
  const workspace = useWorkspace();
  const contactId = props.conversation.contact.id;
  const [mode, setMode] = useState<'view' | 'edit' | 'merge'>('view');
  const detail = useQuery({
    queryKey: ['contact', contactId],
    queryFn: () => apiClient.contacts.get(contactId),
  });
  const past = useQuery({
    queryKey: ['contact-conversations', contactId],
    queryFn: () => apiClient.contacts.conversations(contactId),
  });
  const contact: ContactView = detail.data?.contact ?? props.conversation.contact;
  const organization = detail.data?.organization ?? null;

  return (
    <aside className="contact" aria-label={t('contact')} data-testid="contact-sidebar">
      <h3>{contact.name ?? t('customer')}</h3>
      {mode === 'edit' && <EditContact contact={contact} onDone={() => setMode('view')} />}
      {mode === 'merge' && <MergeContact contact={contact} onDone={() => setMode('view')} />}
      {mode === 'view' && (
        <>
          <dl className="facts">
            <dt>{t('tier')}</dt>
            <dd>
              <span className={`badge tier-${contact.tier ?? 'none'}`}>
                {contact.tier ? i18n.tier(contact.tier) : t('noTier')}
              </span>
            </dd>
            {(contact.tags ?? []).length > 0 && (
              <>
                <dt>{t('tags')}</dt>
                <dd>
                  {(contact.tags ?? []).map((tag) => (
                    <span key={tag} className="badge">
                      {tag}
                    </span>
                  ))}
                </dd>
              </>
            )}
            {organization && (
              <>
                <dt>{t('organization')}</dt>
                <dd>{organization.name}</dd>
              </>
            )}
            {contact.birthday && (
              <>
                <dt>{t('birthday')}</dt>
                <dd>{contact.birthday}</dd>
              </>
            )}
          </dl>
          <ContactTierScores contactId={contactId} />
          <h4>{t('identities')}</h4>
          <ul className="plain identities">
            {(contact.identities ?? []).map((identity) => (
              <li key={`${identity.channel}:${identity.externalId}`}>
                <span role="img" aria-label={i18n.channel(identity.channel)}>
                  {channelIcons[identity.channel as ChannelKind] ?? '•'}
                </span>{' '}
                {i18n.channel(identity.channel)} · {identityLabel(identity)}
              </li>
            ))}
            {(contact.phones ?? []).map((phone) => (
              <li key={phone}>☎ {phone}</li>
            ))}
            {(contact.emails ?? []).map((email) => (
              <li key={email}>@ {email}</li>
            ))}
          </ul>
          <div className="row-buttons">
            <button type="button" onClick={() => setMode('edit')}>
              {t('edit')}
            </button>
            {workspace.isSupervisor && (
              <button type="button" onClick={() => setMode('merge')}>
                {t('merge')}
              </button>
            )}
          </div>
        </>
      )}
      <ContactCare contactId={contactId} careOptOut={contact.careOptOut ?? false} />
      <ContactNetwork contactId={contactId} relationships={contact.relationships ?? []} />
      <h4>{t('pastConversations')}</h4>
      <ul className="plain past">
        {(past.data?.items ?? []).map((c) => (
          <li key={c.id} className={c.id === props.conversation.id ? 'current' : ''}>
            <Link to={`/conversations/${c.number}`}>
              {channelIcons[c.channel as ChannelKind] ?? '•'} #{c.number} · {i18n.status(c.status)} ·{' '}
              {i18n.category(c.category)} · {i18n.day(c.lastMessageAt ?? c.updatedAt)}
            </Link>
          </li>
        ))}
      </ul>
    </aside>
  );
}
