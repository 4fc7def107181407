/**
 * The contact's relationship network in the sidebar (`/api/contacts/:id/network`, two hops): who and what
 * the contact is related to (its organization, related contacts and organizations, and theirs), with the
 * contact's own relationships removable and new ones added by searching contacts and organizations.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useI18n } from '../i18n/i18n';
import { apiClient } from '../lib/api-client';
import type { ContactView, NetworkView } from '../lib/api-types';

type NodeRef = { type: 'contact' | 'organization'; id: string };
type Relationship = NonNullable<ContactView['relationships']>[number];
const same = (a: NodeRef, b: NodeRef) => a.type === b.type && a.id === b.id;

/** Whether a node is a contact or an organization, in words (no icon font is assumed). */
function NodeBadge(props: { type: NodeRef['type'] }) {
  const { t } = useI18n();
  return <span className="badge">{props.type === 'organization' ? t('organization') : t('contact')}</span>;
}

function AddRelationship(props: { contactId: string; onDone: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [q, setQ] = useState('');
  const [kind, setKind] = useState('');
  const [error, setError] = useState<string | null>(null);
  const search = q.trim();
  const found = useQuery({
    queryKey: ['relation-search', search],
    enabled: search.length >= 2,
    queryFn: async () => {
      const [contacts, organizations] = await Promise.all([
        apiClient.contacts.search(search),
        apiClient.organizations.search(search),
      ]);
      return [
        ...contacts.items
          .filter((c) => c.id !== props.contactId)
          .map((c) => ({ type: 'contact' as const, id: c.id, name: c.name ?? c.id })),
        ...organizations.items.map((o) => ({ type: 'organization' as const, id: o.id, name: o.name })),
      ];
    },
  });
  const add = async (target: NodeRef) => {
    setError(null);
    try {
      await apiClient.contacts.relate(props.contactId, {
        ...(target.type === 'contact' ? { contactId: target.id } : { organizationId: target.id }),
        kind: kind.trim(),
      });
      props.onDone();
    } catch (err) {
      setError(i18n.error(err));
    }
  };
  return (
    <div className="stack" data-testid="add-relationship">
      <label>
        {t('relationKind')}
        <input value={kind} maxLength={64} onChange={(e) => setKind(e.target.value)} />
      </label>
      <label>
        {t('searchContactOrOrg')}
        <input type="search" value={q} onChange={(e) => setQ(e.target.value)} />
      </label>
      <ul className="plain">
        {(found.data ?? []).map((n) => (
          <li key={`${n.type}:${n.id}`}>
            <button type="button" className="link" disabled={!kind.trim()} onClick={() => void add(n)}>
              <NodeBadge type={n.type} /> {n.name}
            </button>
          </li>
        ))}
      </ul>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="button" onClick={props.onDone}>
        {t('cancel')}
      </button>
    </div>
  );
}

export function ContactNetwork(props: { contactId: string; relationships: Relationship[] }) {
  const i18n = useI18n();
  const { t } = i18n;
  const client = useQueryClient();
  const [adding, setAdding] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const key = ['contact-network', props.contactId];
  const network = useQuery({ queryKey: key, queryFn: () => apiClient.contacts.network(props.contactId) });
  const self: NodeRef = { type: 'contact', id: props.contactId };
  const refresh = () =>
    Promise.all([
      client.invalidateQueries({ queryKey: key }),
      client.invalidateQueries({ queryKey: ['contact', props.contactId] }),
    ]);

  const data: NetworkView | undefined = network.data;
  const names = new Map((data?.nodes ?? []).map((n) => [`${n.type}:${n.id}`, n]));
  const nameOf = (ref: NodeRef) => names.get(`${ref.type}:${ref.id}`)?.name ?? '';
  const kindLabel = (kind: string, outward: boolean) =>
    kind === 'member' ? (outward ? t('memberOf') : kind) : kind === 'parent' ? t('parentOf') : kind;
  const direct = (data?.edges ?? []).filter((e) => same(e.from, self) || same(e.to, self));
  const further = (data?.nodes ?? []).filter((n) => n.depth >= 2);
  const ownRelationship = (edge: NetworkView['edges'][number]): Relationship | undefined =>
    same(edge.from, self)
      ? props.relationships.find(
          (r) =>
            r.kind === edge.kind &&
            (edge.to.type === 'contact' ? r.contactId === edge.to.id : r.organizationId === edge.to.id),
        )
      : undefined;

  const remove = async (relationship: Relationship) => {
    setError(null);
    try {
      await apiClient.contacts.unrelate(props.contactId, relationship);
      await refresh();
    } catch (err) {
      setError(i18n.error(err));
    }
  };

  return (
    <section className="network" aria-label={t('relationships')} data-testid="contact-network">
      <h4>{t('relationships')}</h4>
      {network.isError && <p className="error">{i18n.error(network.error)}</p>}
      {data && direct.length === 0 && <p className="muted">{t('noRelationships')}</p>}
      <ul className="plain">
        {direct.map((edge) => {
          const outward = same(edge.from, self);
          const other = outward ? edge.to : edge.from;
          const own = ownRelationship(edge);
          return (
            <li key={`${edge.from.id}-${edge.to.id}-${edge.kind}`} data-related={nameOf(other)}>
              <NodeBadge type={other.type} /> <span className="muted">{kindLabel(edge.kind, outward)}</span>{' '}
              {nameOf(other)}{' '}
              {own && (
                <button
                  type="button"
                  className="link"
                  aria-label={`${t('removeRelationship')} ${nameOf(other)}`}
                  onClick={() => void remove(own)}
                >
                  ✕
                </button>
              )}
            </li>
          );
        })}
        {further.map((n) => (
          <li key={`${n.type}:${n.id}`} className="muted">
            <NodeBadge type={n.type} /> {n.name}
          </li>
        ))}
      </ul>
      {data?.truncated && <p className="muted">{t('networkTruncated')}</p>}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {adding ? (
        <AddRelationship
          contactId={props.contactId}
          onDone={() => {
            setAdding(false);
            void refresh();
          }}
        />
      ) : (
        <button type="button" onClick={() => setAdding(true)}>
          {t('addRelationship')}
        </button>
      )}
    </section>
  );
}
