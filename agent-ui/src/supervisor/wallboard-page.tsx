/**
 * The supervisor's live wallboard: queue depth and longest wait per team, every agent (offline ones
 * too) with status, load and current conversations, and the SLA at-risk and breached lists with live countdowns, each row
 * opening its conversation or reassigning it on the spot. Kept live by socket events (the cache refetches
 * on queue, agent and SLA events) with a slow poll as a safety net.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { Link } from 'react-router';
import { useI18n } from '../i18n/i18n';
import { apiClient } from '../lib/api-client';
import type { AtRiskItem, LiveView, PresenceStatus } from '../lib/api-types';
import { keys } from '../lib/live-cache';
import { useNow } from '../lib/use-now';
import { useWorkspace } from '../lib/workspace';

function ReassignCell(props: { item: AtRiskItem }) {
  const i18n = useI18n();
  const { t } = i18n;
  const workspace = useWorkspace();
  const client = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  return (
    <label className="reassign">
      <span className="sr-only">{t('reassignTo')}</span>
      <select
        aria-label={`${t('reassignTo')} #${props.item.number}`}
        value=""
        onChange={(e) => {
          const [kind, id] = e.target.value.split(':');
          if (!id) return;
          setError(null);
          // An agent: reassign to them; a team: transfer into its queue.
          const move =
            kind === 'team'
              ? apiClient.conversations.transfer(props.item.id, { teamId: id })
              : apiClient.conversations.reassign(props.item.id, id);
          void move
            .then(() =>
              Promise.all([
                client.invalidateQueries({ queryKey: keys.atRisk }),
                client.invalidateQueries({ queryKey: keys.live }),
              ]),
            )
            .catch((err: unknown) => setError(i18n.error(err)));
        }}
      >
        <option value="">{t('reassign')}…</option>
        <optgroup label={t('reassignTo')}>
          {workspace.agents
            .filter((a) => a.id !== props.item.assigneeId && a.active !== false)
            .map((a) => (
              <option key={a.id} value={`agent:${a.id}`}>
                {a.name}
              </option>
            ))}
        </optgroup>
        <optgroup label={t('transferTo')}>
          {workspace.teams
            .filter((team) => team.id !== props.item.teamId)
            .map((team) => (
              <option key={team.id} value={`team:${team.id}`}>
                {team.name}
              </option>
            ))}
        </optgroup>
      </select>
      {error && <span className="error">{error}</span>}
    </label>
  );
}

function RiskTable(props: { items: AtRiskItem[]; now: number; empty: string; testId: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const workspace = useWorkspace();
  if (props.items.length === 0) return <p className="empty">{props.empty}</p>;
  return (
    <table data-testid={props.testId}>
      <thead>
        <tr>
          <th>#</th>
          <th>{t('customer')}</th>
          <th>{t('target')}</th>
          <th>{t('due')}</th>
          <th>{t('assignee')}</th>
          <th>{t('reassign')}</th>
        </tr>
      </thead>
      <tbody>
        {props.items.map((item) => {
          const left = (Date.parse(item.dueAt) - props.now) / 1000;
          return (
            <tr key={item.id} className={left <= 0 ? 'breached' : 'soon'} data-conversation-id={item.id}>
              <td>
                <Link to={`/conversations/${item.number}`}>#{item.number}</Link>
              </td>
              <td>
                {item.contactName ?? t('customer')} · {i18n.channel(item.channel)} ·{' '}
                {i18n.category(item.category)}
              </td>
              <td>{item.target ? i18n.target(item.target) : ''}</td>
              <td className="countdown">
                {left <= 0
                  ? `${t('overdue')} ${i18n.duration(-left)}`
                  : `${t('dueIn')} ${i18n.duration(left)}`}
              </td>
              <td>{item.assigneeId ? workspace.agentName(item.assigneeId) : t('unassigned')}</td>
              <td>
                <ReassignCell item={item} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function WallboardPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const workspace = useWorkspace();
  const now = useNow(1000);
  const live = useQuery({ queryKey: keys.live, queryFn: apiClient.routing.live, refetchInterval: 15_000 });
  const risk = useQuery({
    queryKey: keys.atRisk,
    queryFn: apiClient.reports.atRisk,
    refetchInterval: 15_000,
  });
  const fetchedAt = live.dataUpdatedAt || now;
  const items = risk.data?.items ?? [];
  // The list was computed when fetched: countdowns past due move to Breached without waiting for a refetch.
  const breached = items.filter((i) => Date.parse(i.dueAt) <= now);
  const atRisk = items.filter((i) => Date.parse(i.dueAt) > now);
  const presence = new Map((live.data?.agents ?? []).map((a) => [a.agentId, a]));
  const currentOf = new Map<string, LiveView['assigned']>();
  for (const c of live.data?.assigned ?? [])
    currentOf.set(c.agentId, [...(currentOf.get(c.agentId) ?? []), c]);
  const agentRows = workspace.agents
    .filter((a) => a.active !== false)
    .map((a) => {
      const p = presence.get(a.id);
      return {
        id: a.id,
        name: a.name,
        status: (p?.status ?? 'offline') satisfies PresenceStatus,
        load: p?.load ?? {},
        current: currentOf.get(a.id) ?? [],
      };
    })
    .sort((a, b) => a.status.localeCompare(b.status) || a.name.localeCompare(b.name));

  return (
    <main className="page wallboard">
      {(live.isError || risk.isError) && (
        <p className="error" role="alert">
          {i18n.error(live.error ?? risk.error)}
        </p>
      )}
      <section className="card">
        <h2>{t('queues')}</h2>
        {(live.data?.queues ?? []).length === 0 ? (
          <p className="empty">{t('noQueues')}</p>
        ) : (
          <div className="tiles">
            {(live.data?.queues ?? []).map((q) => (
              <div key={q.teamId} className={`tile ${q.depth > 0 ? 'busy' : ''}`} data-testid="queue-tile">
                <h3>{q.teamName ?? workspace.teamName(q.teamId)}</h3>
                <p className="big">{i18n.number(q.depth)}</p>
                <p>{t('depth')}</p>
                <p>
                  {t('longestWait')}:{' '}
                  {i18n.duration(q.depth > 0 ? q.longestWaitSeconds + (now - fetchedAt) / 1000 : 0)}
                </p>
              </div>
            ))}
          </div>
        )}
      </section>
      <section className="card">
        <h2>{t('agents')}</h2>
        <table>
          <thead>
            <tr>
              <th>{t('name')}</th>
              <th>{t('presence')}</th>
              <th>{t('load')}</th>
              <th>{t('currentConversations')}</th>
            </tr>
          </thead>
          <tbody>
            {agentRows.map((a) => (
              <tr key={a.id} data-agent-id={a.id}>
                <td>{a.name}</td>
                <td>
                  <span className={`presence-dot p-${a.status}`} aria-hidden="true" />{' '}
                  {i18n.presence(a.status)}
                </td>
                <td>
                  {Object.entries(a.load)
                    .filter(([, n]) => n > 0)
                    .map(([channel, n]) => `${i18n.capacity(channel)} ${n}`)
                    .join(' · ') || '0'}
                </td>
                <td className="current-conversations">
                  {a.current.length === 0
                    ? '—'
                    : a.current.map((c, index) => (
                        <Fragment key={c.conversationId}>
                          {index > 0 && ' '}
                          <Link
                            to={`/conversations/${c.number}`}
                            title={`${c.contactName ?? t('customer')} · ${i18n.channel(c.channel)} · ${i18n.status(c.status)}`}
                          >
                            #{c.number}
                          </Link>
                        </Fragment>
                      ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card">
        <h2>
          {t('breachedList')} ({breached.length})
        </h2>
        <RiskTable items={breached} now={now} empty={t('noBreached')} testId="breached" />
      </section>
      <section className="card">
        <h2>
          {t('atRisk')} ({atRisk.length})
        </h2>
        <RiskTable items={atRisk} now={now} empty={t('noAtRisk')} testId="at-risk" />
      </section>
    </main>
  );
}
