/**
 * Reports over a date range (from `/api/reports/sla`): resolution time median and P90 over time, SLA
 * compliance and CSAT (with the 85 % target line) per group, volume by channel and by category. Every
 * bar and row drills down to its conversations; the table exports as CSV (the server's own CSV).
 */
import { useQueries, useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { saveBlob } from '../conversation/attachments';
import { REPORT_GROUP_VALUES } from '../i18n/enums';
import { useI18n, type I18n } from '../i18n/i18n';
import { apiClient, type ConversationQuery } from '../lib/api-client';
import type { ReportGroup, ReportRow } from '../lib/api-types';
import { storedValue, storeValue } from '../lib/session';

const DAY = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Day buckets up to a month, week buckets beyond (at most ~26 requests for a half year). */
function buckets(fromMs: number, toMs: number): { from: number; to: number }[] {
  const step = toMs - fromMs <= 31 * DAY ? DAY : 7 * DAY;
  const result: { from: number; to: number }[] = [];
  for (let start = fromMs; start < toMs && result.length < 60; start += step)
    result.push({ from: start, to: Math.min(start + step, toMs) });
  return result;
}

function groupLabel(i18n: I18n, groupBy: ReportGroup, row: ReportRow): string {
  if (row.group === null) return '—';
  if (groupBy === 'channel') return i18n.channel(row.group);
  if (groupBy === 'category') return i18n.category(row.group);
  if (groupBy === 'priority') return i18n.priority(row.group);
  return row.label || row.group;
}

interface Drill {
  groupBy: ReportGroup;
  group: string | null;
  label: string;
}

function drillQuery(drill: Drill): ConversationQuery {
  const value = drill.group ?? 'none';
  switch (drill.groupBy) {
    case 'team':
      return { team: value };
    case 'agent':
      return { assignee: value };
    case 'channel':
      return drill.group ? { channel: drill.group as ConversationQuery['channel'] } : {};
    case 'category':
      return drill.group ? { category: drill.group as ConversationQuery['category'] } : {};
    case 'priority':
      return drill.group ? { priority: drill.group as ConversationQuery['priority'] } : {};
  }
}

function DrillDown(props: { drill: Drill; onClose: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const list = useQuery({
    queryKey: ['drill', props.drill],
    queryFn: () => apiClient.conversations.list({ ...drillQuery(props.drill), limit: 25 }),
  });
  return (
    <section className="card drill" aria-label={props.drill.label} data-testid="drill-down">
      <h3>
        {i18n.group(props.drill.groupBy)}: {props.drill.label}{' '}
        <button type="button" onClick={props.onClose}>
          {t('close')}
        </button>
      </h3>
      <ul className="plain">
        {(list.data?.items ?? []).map((c) => (
          <li key={c.id}>
            <Link to={`/conversations/${c.number}`}>
              #{c.number} · {c.contact.name ?? t('customer')} · {i18n.status(c.status)} ·{' '}
              {i18n.category(c.category)} · {i18n.dateTime(c.lastMessageAt)}
            </Link>
          </li>
        ))}
      </ul>
      {list.isSuccess && list.data.items.length === 0 && <p className="empty">{t('noConversations')}</p>}
    </section>
  );
}

export function ReportsPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const today = Math.floor(Date.now() / DAY) * DAY;
  const [range, setRange] = useState(() =>
    storedValue<{ from: string; to: string; groupBy: ReportGroup }>('reports.range', {
      from: isoDay(today - 13 * DAY),
      to: isoDay(today),
      groupBy: 'team',
    }),
  );
  const [drill, setDrill] = useState<Drill | null>(null);
  const [error, setError] = useState<string | null>(null);
  const update = (patch: Partial<typeof range>) =>
    setRange((prev) => {
      const next = { ...prev, ...patch };
      storeValue('reports.range', next);
      return next;
    });
  const fromMs = Date.parse(`${range.from}T00:00:00`);
  const toMs = Date.parse(`${range.to}T00:00:00`) + DAY;
  const fromIso = new Date(fromMs).toISOString();
  const toIso = new Date(toMs).toISOString();
  const valid = Number.isFinite(fromMs) && Number.isFinite(toMs) && fromMs < toMs;

  const main = useQuery({
    queryKey: ['report', fromIso, toIso, range.groupBy],
    enabled: valid,
    queryFn: () => apiClient.reports.sla(fromIso, toIso, range.groupBy),
  });
  const byChannel = useQuery({
    queryKey: ['report', fromIso, toIso, 'channel'],
    enabled: valid,
    queryFn: () => apiClient.reports.sla(fromIso, toIso, 'channel'),
  });
  const byCategory = useQuery({
    queryKey: ['report', fromIso, toIso, 'category'],
    enabled: valid,
    queryFn: () => apiClient.reports.sla(fromIso, toIso, 'category'),
  });
  const slices = useMemo(() => (valid ? buckets(fromMs, toMs) : []), [valid, fromMs, toMs]);
  const series = useQueries({
    queries: slices.map((slice) => ({
      queryKey: ['report', new Date(slice.from).toISOString(), new Date(slice.to).toISOString(), 'team'],
      queryFn: () =>
        apiClient.reports.sla(new Date(slice.from).toISOString(), new Date(slice.to).toISOString(), 'team'),
    })),
  });
  const trend = slices.map((slice, index) => {
    const totals = series[index]?.data?.totals;
    return {
      day: i18n.day(new Date(slice.from).toISOString()),
      median: totals?.resolution.business.median ?? null,
      p90: totals?.resolution.business.p90 ?? null,
      count: totals?.count ?? 0,
    };
  });

  const trendLoaded = series.length > 0 && series.every((query) => query.isSuccess);
  // The report's durations are business minutes; the axis and tooltip say them as durations.
  const minutes = (value: number) => i18n.duration(value * 60);

  const rows = (main.data?.rows ?? []).map((row) => ({
    ...row,
    name: groupLabel(i18n, range.groupBy, row),
    compliance: row.compliancePct,
    satisfied: row.csat.satisfiedPct,
  }));
  const volume = (report: typeof byChannel.data, groupBy: ReportGroup) =>
    (report?.rows ?? []).map((row) => ({ ...row, name: groupLabel(i18n, groupBy, row) }));

  const exportCsv = async () => {
    setError(null);
    try {
      const res = await apiClient.reports.slaCsv(fromIso, toIso, range.groupBy);
      saveBlob(await res.blob(), `sla-${range.groupBy}-${range.from}-${range.to}.csv`);
    } catch (err) {
      setError(i18n.error(err));
    }
  };

  const openDrill = (groupBy: ReportGroup, row: { group: string | null; name: string }) =>
    setDrill({ groupBy, group: row.group, label: row.name });

  return (
    <main className="page reports">
      <form className="card range" onSubmit={(e) => e.preventDefault()}>
        <label>
          {t('from')}
          <input type="date" value={range.from} onChange={(e) => update({ from: e.target.value })} />
        </label>
        <label>
          {t('to')}
          <input type="date" value={range.to} onChange={(e) => update({ to: e.target.value })} />
        </label>
        <label>
          {t('groupBy')}
          <select
            aria-label={t('groupBy')}
            value={range.groupBy}
            onChange={(e) =>
              update({ groupBy: REPORT_GROUP_VALUES.find((g) => g === e.target.value) ?? 'team' })
            }
          >
            {REPORT_GROUP_VALUES.map((g) => (
              <option key={g} value={g}>
                {i18n.group(g)}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="primary" onClick={() => void exportCsv()}>
          ⬇ {t('exportCsv')}
        </button>
        <span className="hint">{t('drillDown')}</span>
        {(error || main.isError) && (
          <span className="error" role="alert">
            {error ?? i18n.error(main.error)}
          </span>
        )}
      </form>
      {drill && <DrillDown drill={drill} onClose={() => setDrill(null)} />}
      <div className="charts">
        <section className="card chart" aria-label={t('resolutionTime')} data-testid="resolution-chart">
          <h2>{t('resolutionTime')}</h2>
          {trendLoaded && !trend.some((point) => point.median !== null) && (
            <p className="empty chart-empty">{t('noResolved')}</p>
          )}
          <ResponsiveContainer width="100%" height={240}>
            <LineChart data={trend}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="day" />
              <YAxis tickFormatter={minutes} width={70} />
              <Tooltip formatter={(value) => (typeof value === 'number' ? minutes(value) : value)} />
              <Legend />
              <Line
                type="monotone"
                dataKey="median"
                name={t('median')}
                stroke="#2563eb"
                connectNulls
                isAnimationActive={false}
              />
              <Line
                type="monotone"
                dataKey="p90"
                name={t('p90')}
                stroke="#dc2626"
                connectNulls
                isAnimationActive={false}
              />
            </LineChart>
          </ResponsiveContainer>
        </section>
        <section className="card chart" aria-label={t('compliance')}>
          <h2>{t('compliance')}</h2>
          <ResponsiveContainer width="100%" height={240}>
            <BarChart data={rows}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="name" />
              <YAxis domain={[0, 100]} />
              <Tooltip />
              <Bar
                dataKey="compliance"
                name={t('compliance')}
                fill="#16a34a"
                isAnimationActive={false}
                onClick={(_data, index) => rows[index] && openDrill(range.groupBy, rows[index])}
              />
            </BarChart>
          </ResponsiveContainer>
        </section>
        <section className="card chart" aria-label={t('csat')}>
          <h2>{t('csat')}</h2>
          {main.isSuccess && !rows.some((row) => row.satisfied !== null) && (
            <p className="empty chart-empty">{t('noCsat')}</p>
          )}
          <ResponsiveContainer width="100%" height={240}>
            <BarChart data={rows}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="name" />
              <YAxis domain={[0, 100]} />
              <Tooltip />
              <ReferenceLine y={85} stroke="#dc2626" strokeDasharray="4 4" label={t('csatTarget')} />
              <Bar
                dataKey="satisfied"
                name={t('csat')}
                fill="#7c3aed"
                isAnimationActive={false}
                onClick={(_data, index) => rows[index] && openDrill(range.groupBy, rows[index])}
              />
            </BarChart>
          </ResponsiveContainer>
        </section>
        {(
          [
            ['channel', byChannel.data, t('volumeByChannel')],
            ['category', byCategory.data, t('volumeByCategory')],
          ] as const
        ).map(([groupBy, report, title]) => {
          const data = volume(report, groupBy);
          return (
            <section key={groupBy} className="card chart" aria-label={title}>
              <h2>{title}</h2>
              <ResponsiveContainer width="100%" height={240}>
                <BarChart data={data}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="name" />
                  <YAxis allowDecimals={false} />
                  <Tooltip />
                  <Bar
                    dataKey="count"
                    name={t('count')}
                    fill="#0891b2"
                    isAnimationActive={false}
                    onClick={(_data, index) => data[index] && openDrill(groupBy, data[index])}
                  />
                </BarChart>
              </ResponsiveContainer>
            </section>
          );
        })}
      </div>
      <section className="card">
        <h2>{t('byGroup')}</h2>
        {rows.length === 0 ? (
          <p className="empty">{t('noData')}</p>
        ) : (
          <table data-testid="report-table">
            <thead>
              <tr>
                <th>{i18n.group(range.groupBy)}</th>
                <th>{t('count')}</th>
                <th>
                  {t('resolutionTime')} · {t('median')}
                </th>
                <th>{t('p90')}</th>
                <th>{t('compliance')}</th>
                <th>{t('breached')}</th>
                <th>{t('csat')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.group ?? 'none'}>
                  <td>
                    <button type="button" className="link" onClick={() => openDrill(range.groupBy, row)}>
                      {row.name}
                    </button>
                  </td>
                  <td>{i18n.number(row.count)}</td>
                  <td>
                    {row.resolution.business.median === null
                      ? '—'
                      : i18n.duration(row.resolution.business.median * 60)}
                  </td>
                  <td>
                    {row.resolution.business.p90 === null
                      ? '—'
                      : i18n.duration(row.resolution.business.p90 * 60)}
                  </td>
                  <td>{row.compliancePct === null ? '—' : `${i18n.number(row.compliancePct, 1)} %`}</td>
                  <td>{i18n.number(row.breachedConversations)}</td>
                  <td>
                    {row.csat.satisfiedPct === null ? '—' : `${i18n.number(row.csat.satisfiedPct, 1)} %`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  );
}
