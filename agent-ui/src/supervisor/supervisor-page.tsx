import { useCallback, useEffect, useState } from 'react';
import { api } from '../api';
import type { T } from '../i18n';
import { useLiveEvents } from '../live';

interface LiveView {
  queues: { teamId: string; teamName?: string; depth: number; longestWaitSeconds: number }[];
  agents: { agentId: string; name?: string; status: string; load: Record<string, number> }[];
}

interface AtRisk {
  items: {
    conversationId: string;
    number: number;
    target: string;
    dueAt: string;
    category?: string;
    priority?: string;
  }[];
}

/** Queues, agents and SLA risk, kept live by socket events and a slow refresh. */
export function SupervisorPage(props: { t: T; onOpen: (conversationId: string) => void }) {
  const { t } = props;
  const [live, setLive] = useState<LiveView | null>(null);
  const [atRisk, setAtRisk] = useState<AtRisk | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    const [liveView, risk] = await Promise.allSettled([
      api<LiveView>('GET', '/api/routing/live'),
      api<AtRisk>('GET', '/api/reports/sla/at-risk'),
    ]);
    if (liveView.status === 'fulfilled') setLive(liveView.value);
    if (risk.status === 'fulfilled') setAtRisk(risk.value);
    const failed = [liveView, risk].find((r) => r.status === 'rejected');
    setError(failed ? String(failed.reason) : null);
  }, []);

  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 15_000);
    return () => clearInterval(timer);
  }, [load]);

  useLiveEvents((name) => {
    if (
      name === 'queue:updated' ||
      name === 'agent:updated' ||
      name === 'sla:warning' ||
      name === 'sla:breached'
    )
      void load();
  });

  return (
    <section className="supervisor" aria-label="supervisor">
      {error && <p className="error">{error}</p>}
      <h2>{t('queues')}</h2>
      <table>
        <tbody>
          {live?.queues.map((q) => (
            <tr key={q.teamId}>
              <td>{q.teamName ?? q.teamId}</td>
              <td>
                {q.depth} {t('depth')}
              </td>
              <td>
                {t('longestWait')} {q.longestWaitSeconds}s
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>{t('agents')}</h2>
      <table>
        <tbody>
          {live?.agents.map((a) => (
            <tr key={a.agentId}>
              <td>{a.name ?? a.agentId}</td>
              <td className={`presence ${a.status}`}>{a.status}</td>
              <td>
                {Object.entries(a.load)
                  .map(([channel, n]) => `${channel} ${n}`)
                  .join(' · ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>{t('atRisk')}</h2>
      <table>
        <tbody>
          {atRisk?.items.map((item) => (
            <tr
              key={`${item.conversationId}-${item.target}`}
              onClick={() => props.onOpen(item.conversationId)}
            >
              <td>#{item.number}</td>
              <td>{item.target}</td>
              <td>
                {t('due')} {new Date(item.dueAt).toLocaleString()}
              </td>
              <td>{item.category}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
