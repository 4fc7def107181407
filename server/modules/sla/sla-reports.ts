/**
 * Supervisor reports on SLA and resolution time. They aggregate the numbers stored on each conversation
 * when a target was met (`sla.firstResponse.businessMinutes`, …), never recompute clocks: one `$match` on
 * when the customer first wrote (`metrics.firstInboundAt`), one `$group` collecting the stored values per group; percentiles are computed here
 * (linear interpolation between closest ranks, as numpy's default), so the same code runs on MongoDB of
 * any version and on the embedded engine.
 */
import type { Document } from 'mongodb';
import type { SlaStore } from './sla-store';

export const REPORT_GROUPS = ['team', 'agent', 'channel', 'category', 'priority'] as const;
export type ReportGroup = (typeof REPORT_GROUPS)[number];
export const CSAT_TARGET_PCT = 85;
/** Backlog age buckets of open complaints, in days (upper bounds; the last is open-ended). */
export const BACKLOG_BUCKETS = [
  { key: 'lt1d', maxDays: 1 },
  { key: 'd1to3', maxDays: 3 },
  { key: 'd3to7', maxDays: 7 },
  { key: 'gt7d', maxDays: Infinity },
] as const;

const GROUP_FIELD: Record<ReportGroup, string> = {
  team: '$teamId',
  agent: '$assigneeId',
  channel: '$primaryChannel',
  category: '$category',
  priority: '$priority',
};

export interface DurationStats {
  count: number;
  median: number | null;
  p90: number | null;
  mean: number | null;
}

export interface ReportRow {
  group: string | null;
  label: string;
  count: number;
  firstResponse: { business: DurationStats; calendar: DurationStats };
  resolution: { business: DurationStats; calendar: DurationStats };
  /** Conversations with an SLA policy; compliance is the share of them without any breach. */
  measured: number;
  compliancePct: number | null;
  breaches: number;
  breachedConversations: number;
  backlog: Record<(typeof BACKLOG_BUCKETS)[number]['key'], number> & { total: number };
  csat: { responses: number; average: number | null; satisfiedPct: number | null; targetPct: number };
}

export interface SlaReport {
  from: string;
  to: string;
  groupBy: ReportGroup;
  generatedAt: string;
  rows: ReportRow[];
  totals: ReportRow;
}

/** The p-th percentile (0–1) of sorted numbers, interpolating linearly between closest ranks. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const index = (sorted.length - 1) * p;
  const low = Math.floor(index);
  const high = Math.ceil(index);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (index - low);
}

const round2 = (value: number | null) => (value === null ? null : Math.round(value * 100) / 100);

export function durationStats(values: readonly unknown[]): DurationStats {
  const numbers = values
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
    .sort((a, b) => a - b);
  const sum = numbers.reduce((total, v) => total + v, 0);
  return {
    count: numbers.length,
    median: round2(percentile(numbers, 0.5)),
    p90: round2(percentile(numbers, 0.9)),
    mean: round2(numbers.length ? sum / numbers.length : null),
  };
}

interface GroupAccumulator {
  _id: string | null;
  count: number;
  frtBusiness: unknown[];
  frtCalendar: unknown[];
  resBusiness: unknown[];
  resCalendar: unknown[];
  measured: number;
  breachedConversations: number;
  breaches: number;
  csatResponses: number;
  csatSum: number;
  csatSatisfied: number;
  /** Open complaints by age bucket (BACKLOG_BUCKETS' keys). */
  backlog_lt1d: number;
  backlog_d1to3: number;
  backlog_d3to7: number;
  backlog_gt7d: number;
}

const COUNTERS = [
  'count',
  'measured',
  'breachedConversations',
  'breaches',
  'csatResponses',
  'csatSum',
  'csatSatisfied',
  ...BACKLOG_BUCKETS.map((bucket) => `backlog_${bucket.key}` as const),
] as const;
const DURATIONS = ['frtBusiness', 'frtCalendar', 'resBusiness', 'resCalendar'] as const;

function toRow(acc: GroupAccumulator, label: string): ReportRow {
  const backlog = { lt1d: 0, d1to3: 0, d3to7: 0, gt7d: 0, total: 0 };
  for (const { key } of BACKLOG_BUCKETS) {
    backlog[key] = acc[`backlog_${key}`];
    backlog.total += backlog[key];
  }
  const responses = acc.csatResponses;
  return {
    group: acc._id === null || acc._id === undefined ? null : String(acc._id),
    label,
    count: acc.count,
    firstResponse: { business: durationStats(acc.frtBusiness), calendar: durationStats(acc.frtCalendar) },
    resolution: { business: durationStats(acc.resBusiness), calendar: durationStats(acc.resCalendar) },
    measured: acc.measured,
    compliancePct: acc.measured
      ? round2(((acc.measured - acc.breachedConversations) / acc.measured) * 100)
      : null,
    breaches: acc.breaches,
    breachedConversations: acc.breachedConversations,
    backlog,
    csat: {
      responses,
      average: round2(responses ? acc.csatSum / responses : null),
      satisfiedPct: round2(responses ? (acc.csatSatisfied / responses) * 100 : null),
      targetPct: CSAT_TARGET_PCT,
    },
  };
}

function merge(rows: GroupAccumulator[]): GroupAccumulator {
  const total = {
    _id: null,
    ...Object.fromEntries(COUNTERS.map((key) => [key, 0])),
    ...Object.fromEntries(DURATIONS.map((key) => [key, []])),
  } as unknown as GroupAccumulator;
  for (const row of rows) {
    for (const key of COUNTERS) total[key] += row[key];
    for (const key of DURATIONS) for (const value of row[key]) total[key].push(value);
  }
  return total;
}

/** `{$sum: {$cond: [condition, 1, 0]}}`: how many of the group's conversations meet `condition`. */
const countWhere = (condition: Document): Document => ({ $sum: { $cond: [condition, 1, 0] } });

/**
 * The supervisor report's aggregation (pure): conversations whose customer first wrote in [from, to), grouped
 * by `groupField`. Durations are pushed (their percentiles are computed here); CSAT and the open-complaint
 * backlog by age at `now` are counted in the group, so the reply carries no value per conversation for
 * them. Exported so the engine's tests and benchmark run exactly what the report sends.
 */
export function slaReportPipeline(groupField: string, from: Date, to: Date, now: Date): Document[] {
  const openComplaint = {
    $and: [{ $eq: ['$category', 'complaint'] }, { $not: [{ $in: ['$status', ['resolved', 'closed']] }] }],
  };
  // Age of an open complaint since the customer first wrote (a date: the $match range guarantees it);
  // a bucket holds ages below its bound: created after `now - bound`.
  const createdAfter = (days: number) => ({
    $gt: ['$metrics.firstInboundAt', new Date(now.getTime() - days * 86_400_000)],
  });
  const backlog: Document = {};
  let previous: number | null = null;
  for (const { key, maxDays } of BACKLOG_BUCKETS) {
    const below = Number.isFinite(maxDays) ? [createdAfter(maxDays)] : [];
    const atOrAbove = previous === null ? [] : [{ $not: [createdAfter(previous)] }];
    backlog[`backlog_${key}`] = countWhere({ $and: [openComplaint, ...below, ...atOrAbove] });
    previous = maxDays;
  }
  return [
    // The range is on when the customer first wrote (provider time), the start of every SLA clock.
    { $match: { 'metrics.firstInboundAt': { $gte: from, $lt: to } } },
    {
      $group: {
        _id: groupField,
        count: { $sum: 1 },
        frtBusiness: { $push: '$sla.firstResponse.businessMinutes' },
        frtCalendar: { $push: '$sla.firstResponse.calendarMinutes' },
        resBusiness: { $push: '$sla.resolution.businessMinutes' },
        resCalendar: { $push: '$sla.resolution.calendarMinutes' },
        measured: countWhere({ $gt: ['$sla.policyId', null] }),
        breachedConversations: countWhere({ $eq: ['$sla.breached', true] }),
        breaches: { $sum: { $ifNull: ['$sla.breachCount', 0] } },
        // Scores are numbers (1–5) when present.
        csatResponses: countWhere({ $gt: ['$csat.score', null] }),
        csatSum: { $sum: '$csat.score' },
        csatSatisfied: countWhere({ $gte: ['$csat.score', 4] }),
        ...backlog,
      },
    },
    { $sort: { _id: 1 } },
  ];
}

export function createSlaReports(deps: { store: SlaStore; now: () => Date }) {
  const { store } = deps;

  async function labelsFor(groupBy: ReportGroup, ids: (string | null)[]): Promise<Map<string, string>> {
    const labels = new Map<string, string>();
    const present = ids.filter((id): id is string => id !== null);
    if (groupBy === 'agent')
      for (const agent of await store.findAgents(present)) labels.set(agent.id, agent.name);
    if (groupBy === 'team')
      for (const team of await store.findTeamNames(present)) labels.set(team.id, team.name);
    return labels;
  }

  async function slaReport(input: { from: Date; to: Date; groupBy: ReportGroup }): Promise<SlaReport> {
    const now = deps.now();
    const pipeline = slaReportPipeline(GROUP_FIELD[input.groupBy], input.from, input.to, now);
    const groups = (await store.conversations().aggregate(pipeline).toArray()) as GroupAccumulator[];
    const labels = await labelsFor(
      input.groupBy,
      groups.map((g) => (g._id === null || g._id === undefined ? null : String(g._id))),
    );
    const rows = groups.map((group) => {
      const id = group._id === null || group._id === undefined ? null : String(group._id);
      return toRow(group, id === null ? '(none)' : (labels.get(id) ?? id));
    });
    return {
      from: input.from.toISOString(),
      to: input.to.toISOString(),
      groupBy: input.groupBy,
      generatedAt: now.toISOString(),
      rows,
      totals: toRow(merge(groups), '(all)'),
    };
  }

  /** Open conversations whose next breach is soonest (breached ones first), at most `limit`. */
  async function atRisk(input: { limit: number; teamId?: string }) {
    const now = deps.now();
    const filter: Document = { 'sla.nextDueAt': { $ne: null }, status: { $nin: ['resolved', 'closed'] } };
    if (input.teamId) filter.teamId = input.teamId;
    const docs = await store
      .conversations()
      .find(filter, {
        projection: {
          number: 1,
          subject: 1,
          status: 1,
          priority: 1,
          category: 1,
          teamId: 1,
          assigneeId: 1,
          ownerId: 1,
          contactName: 1,
          primaryChannel: 1,
          'sla.nextDueAt': 1,
          'sla.firstResponseDueAt': 1,
          'sla.nextResponseDueAt': 1,
          'sla.resolutionDueAt': 1,
          'sla.policyName': 1,
        },
      })
      .sort({ 'sla.nextDueAt': 1, _id: 1 })
      .limit(input.limit)
      .toArray();
    return docs.map((doc) => {
      const sla = (doc.sla ?? {}) as Record<string, Date | string | null | undefined>;
      const dueAt = sla.nextDueAt as Date;
      const target =
        (['firstResponse', 'nextResponse', 'resolution'] as const).find(
          (t) => (sla[`${t}DueAt`] as Date | null | undefined)?.getTime() === dueAt.getTime(),
        ) ?? null;
      return {
        id: String(doc._id),
        number: doc.number as number,
        subject: (doc.subject as string | undefined) ?? null,
        contactName: (doc.contactName as string | undefined) ?? null,
        channel: doc.primaryChannel as string,
        status: doc.status as string,
        priority: doc.priority as string,
        category: doc.category as string,
        teamId: (doc.teamId as string | null) ?? null,
        assigneeId: (doc.assigneeId as string | null) ?? null,
        ownerId: (doc.ownerId as string | null) ?? null,
        policy: (sla.policyName as string | undefined) ?? null,
        target,
        dueAt: dueAt.toISOString(),
        minutesLeft: Math.round((dueAt.getTime() - now.getTime()) / 60_000),
        breached: dueAt.getTime() <= now.getTime(),
      };
    });
  }

  return { slaReport, atRisk };
}

export type SlaReports = ReturnType<typeof createSlaReports>;

const CSV_COLUMNS: [string, (row: ReportRow) => string | number | null][] = [
  ['group', (r) => r.group ?? ''],
  ['label', (r) => r.label],
  ['count', (r) => r.count],
  ['first_response_business_median_min', (r) => r.firstResponse.business.median],
  ['first_response_business_p90_min', (r) => r.firstResponse.business.p90],
  ['first_response_business_mean_min', (r) => r.firstResponse.business.mean],
  ['first_response_calendar_median_min', (r) => r.firstResponse.calendar.median],
  ['first_response_calendar_p90_min', (r) => r.firstResponse.calendar.p90],
  ['first_response_calendar_mean_min', (r) => r.firstResponse.calendar.mean],
  ['resolution_business_median_min', (r) => r.resolution.business.median],
  ['resolution_business_p90_min', (r) => r.resolution.business.p90],
  ['resolution_business_mean_min', (r) => r.resolution.business.mean],
  ['resolution_calendar_median_min', (r) => r.resolution.calendar.median],
  ['resolution_calendar_p90_min', (r) => r.resolution.calendar.p90],
  ['resolution_calendar_mean_min', (r) => r.resolution.calendar.mean],
  ['sla_measured', (r) => r.measured],
  ['sla_compliance_pct', (r) => r.compliancePct],
  ['sla_breaches', (r) => r.breaches],
  ['backlog_open_complaints', (r) => r.backlog.total],
  ['backlog_lt_1d', (r) => r.backlog.lt1d],
  ['backlog_1_3d', (r) => r.backlog.d1to3],
  ['backlog_3_7d', (r) => r.backlog.d3to7],
  ['backlog_gt_7d', (r) => r.backlog.gt7d],
  ['csat_responses', (r) => r.csat.responses],
  ['csat_average', (r) => r.csat.average],
  ['csat_satisfied_pct', (r) => r.csat.satisfiedPct],
  ['csat_target_pct', (r) => r.csat.targetPct],
];

/** RFC 4180 field: quoted when needed; a leading = + - @ is neutralized (spreadsheet formula injection). */
function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The report's rows (then the totals row) as CSV. */
export function reportToCsv(report: SlaReport): string {
  const lines = [CSV_COLUMNS.map(([name]) => name).join(',')];
  for (const row of [...report.rows, report.totals])
    lines.push(CSV_COLUMNS.map(([, get]) => csvField(get(row))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
