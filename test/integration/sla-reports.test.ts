import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { createManualClock } from '../../server/lib/clock';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { call, inbound, loginAs } from './conversations-support';

const day = '2026-09-28';
const at = (time: string) => DateTime.fromISO(`${day}T${time}`, { zone: 'Asia/Shanghai' }).toJSDate();
const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/** The test's own business-time count for one day of the split shift (independent of the engine). */
function businessMinutes(from: string, to: string): number {
  const ranges = [
    [9 * 60, 12 * 60],
    [13 * 60 + 30, 18 * 60],
  ] as const;
  return ranges.reduce(
    (sum, [start, end]) => sum + Math.max(0, Math.min(end, minutesOf(to)) - Math.max(start, minutesOf(from))),
    0,
  );
}
const calendarMinutes = (from: string, to: string) => minutesOf(to) - minutesOf(from);
function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (sorted.length - 1) * p;
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}
const round2 = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);
const stats = (values: number[]) => ({
  count: values.length,
  median: round2(percentile(values, 0.5)),
  p90: round2(percentile(values, 0.9)),
  mean: round2(values.length ? values.reduce((a, b) => a + b, 0) / values.length : null),
});

interface Raw {
  team: 'A' | 'B';
  inboundAt: string;
  replyAt?: string;
  resolvedAt?: string;
  csat?: number;
  complaint?: boolean;
}

/** The raw data: policy = first response 60, resolution 480 business minutes. */
const RAW: Raw[] = [
  { team: 'A', inboundAt: '09:00', replyAt: '09:20', resolvedAt: '10:00', csat: 5 },
  { team: 'A', inboundAt: '11:30', replyAt: '13:40', resolvedAt: '14:30', csat: 3 },
  { team: 'A', inboundAt: '09:00', replyAt: '10:30', complaint: true },
  { team: 'B', inboundAt: '09:00', replyAt: '09:05', resolvedAt: '09:30', csat: 4 },
  { team: 'B', inboundAt: '09:00' },
];
const REPORT_AT = '15:00';

function expectedRow(rows: Raw[]) {
  const frt = rows.filter((r) => r.replyAt);
  const resolved = rows.filter((r) => r.resolvedAt);
  const breached = rows.filter((r) => {
    const firstResponse = r.replyAt
      ? businessMinutes(r.inboundAt, r.replyAt)
      : businessMinutes(r.inboundAt, REPORT_AT);
    return firstResponse > 60 || (!r.replyAt && firstResponse >= 60);
  });
  const scores = rows.filter((r) => r.csat !== undefined).map((r) => r.csat!);
  return {
    count: rows.length,
    firstResponse: {
      business: stats(frt.map((r) => businessMinutes(r.inboundAt, r.replyAt!))),
      calendar: stats(frt.map((r) => calendarMinutes(r.inboundAt, r.replyAt!))),
    },
    resolution: {
      business: stats(resolved.map((r) => businessMinutes(r.inboundAt, r.resolvedAt!))),
      calendar: stats(resolved.map((r) => calendarMinutes(r.inboundAt, r.resolvedAt!))),
    },
    compliancePct: round2(((rows.length - breached.length) / rows.length) * 100),
    breaches: breached.length,
    backlogTotal: rows.filter((r) => r.complaint && !r.resolvedAt).length,
    csatAverage: round2(scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null),
    csatSatisfiedPct: round2(
      scores.length ? (scores.filter((s) => s >= 4).length / scores.length) * 100 : null,
    ),
  };
}

describe('SLA reports (integration)', () => {
  let running: RunningTestHub;
  const clock = createManualClock(at('08:00'));
  let supervisor: { token: string };
  let agentToken: string;
  const teams: Record<string, string> = {};
  const ids: string[] = [];

  before(async () => {
    running = await startTestHub({
      clock,
      runWorkers: false,
      // The manual clock stands in the past: tokens must outlive real time too, or the engine's TTL
      // monitor (which runs on real time) deletes them in the middle of the test.
      configOverrides: { SLA_SWEEP_INTERVAL_MS: '0', ACCESS_TOKEN_TTL_SECONDS: String(10 * 365 * 24 * 3600) },
    });
    const hub = running.hub;
    const admin = await loginAs(running, { email: 'admin@rep.test', role: 'admin' });
    supervisor = await loginAs(running, { email: 'sup@rep.test', role: 'supervisor' });
    const agent = await loginAs(running, { email: 'agent@rep.test' });
    agentToken = agent.token;
    teams.A = (await hub.agents.agents.createTeam({ name: 'Team A', leadId: agent.agentId }, null)).id;
    teams.B = (await hub.agents.agents.createTeam({ name: 'Team B' }, null)).id;
    const shift = [
      { start: '09:00', end: '12:00' },
      { start: '13:30', end: '18:00' },
    ];
    const calendar = await call(running.baseUrl, 'POST', '/api/sla/calendars', {
      token: admin.token,
      body: { name: 'Office', timezone: 'Asia/Shanghai', weekly: { mon: shift, tue: shift } },
    });
    await call(running.baseUrl, 'POST', '/api/sla/policies', {
      token: admin.token,
      body: {
        name: 'default',
        isDefault: true,
        calendarId: calendar.body.id,
        targets: { firstResponse: 60, resolution: 480 },
      },
    });

    // Replay the raw data in time order.
    const steps: { time: string; run: () => Promise<void> }[] = [];
    RAW.forEach((raw, index) => {
      steps.push({
        time: raw.inboundAt,
        run: async () => {
          const from = `+86137${String(index).padStart(8, '0')}`;
          const { conversationId } = await hub.ingest.ingest(
            inbound({
              occurredAt: clock.now(),
              from: { externalId: from, phone: from },
              hints: { category: raw.complaint ? 'complaint' : 'inquiry' },
            }),
          );
          ids[index] = conversationId;
          await hub.conversations.conversations.assign(conversationId, {
            assigneeId: agent.agentId,
            teamId: teams[raw.team]!,
          });
        },
      });
      if (raw.replyAt)
        steps.push({
          time: raw.replyAt,
          run: async () =>
            void (await hub.conversations.timeline.createReply({
              conversationId: ids[index]!,
              authorId: agent.agentId,
              text: 'Answer',
              isPrivate: false,
            })),
        });
      if (raw.resolvedAt)
        steps.push({
          time: raw.resolvedAt,
          run: async () => {
            await hub.conversations.conversations.setStatus(ids[index]!, { status: 'resolved' });
            if (raw.csat) await hub.conversations.conversations.setCsat(ids[index]!, { score: raw.csat });
          },
        });
    });
    steps.sort((a, b) => minutesOf(a.time) - minutesOf(b.time));
    for (const step of steps) {
      clock.set(at(step.time));
      await step.run();
    }
    clock.set(at(REPORT_AT));
    await hub.sla.service.sweep();
  });
  after(async () => {
    await running?.close();
  });

  const query = `from=2026-09-01T00:00:00Z&to=2026-10-01T00:00:00Z`;

  it('equals figures computed independently from the raw data, per team and in total', async () => {
    const report = await call(running.baseUrl, 'GET', `/api/reports/sla?${query}&groupBy=team`, {
      token: supervisor.token,
    });
    assert.equal(report.status, 200, JSON.stringify(report.body));
    for (const team of ['A', 'B'] as const) {
      const row = report.body.rows.find((r: { group: string }) => r.group === teams[team]);
      const expected = expectedRow(RAW.filter((r) => r.team === team));
      assert.equal(row.label, `Team ${team}`);
      assert.equal(row.count, expected.count);
      assert.deepEqual(row.firstResponse, expected.firstResponse, `team ${team} first response`);
      assert.deepEqual(row.resolution, expected.resolution, `team ${team} resolution`);
      assert.equal(row.compliancePct, expected.compliancePct, `team ${team} compliance`);
      assert.equal(row.breaches, expected.breaches);
      assert.equal(row.backlog.total, expected.backlogTotal);
      assert.equal(row.csat.average, expected.csatAverage);
      assert.equal(row.csat.satisfiedPct, expected.csatSatisfiedPct);
      assert.equal(row.csat.targetPct, 85);
    }
    const total = expectedRow(RAW);
    assert.equal(report.body.totals.count, total.count);
    assert.deepEqual(report.body.totals.firstResponse, total.firstResponse);
    assert.equal(report.body.totals.compliancePct, total.compliancePct);
  });

  it('groups by category and exports the same rows as CSV', async () => {
    const json = await call(running.baseUrl, 'GET', `/api/reports/sla?${query}&groupBy=category`, {
      token: supervisor.token,
    });
    assert.deepEqual(
      json.body.rows.map((r: { group: string; count: number }) => [r.group, r.count]),
      [
        ['complaint', 1],
        ['inquiry', 4],
      ],
    );
    const csv = await fetch(`${running.baseUrl}/api/reports/sla?${query}&groupBy=category`, {
      headers: { authorization: `Bearer ${supervisor.token}`, accept: 'text/csv' },
    });
    assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
    const lines = (await csv.text())
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    assert.equal(lines.length, 4, 'header, two groups, totals');
    const header = lines[0]!.split(',');
    const inquiry = lines.find((l) => l.startsWith('inquiry,'))!.split(',');
    assert.equal(inquiry[header.indexOf('count')], '4');
    assert.equal(
      inquiry[header.indexOf('first_response_business_median_min')],
      String(json.body.rows[1].firstResponse.business.median),
    );
    const viaSuffix = await fetch(`${running.baseUrl}/api/reports/sla.csv?${query}&groupBy=category`, {
      headers: { authorization: `Bearer ${supervisor.token}` },
    });
    assert.equal(
      (await viaSuffix.text())
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\r\n').length,
      4,
    );
  });

  it('lists the conversations at risk, due soonest first, breached ones flagged', async () => {
    const risk = await call(running.baseUrl, 'GET', '/api/reports/sla/at-risk', { token: supervisor.token });
    assert.equal(risk.status, 200);
    const open = RAW.map((r, i) => ({ ...r, id: ids[i] })).filter((r) => !r.resolvedAt);
    assert.deepEqual(
      new Set(risk.body.items.map((i: { id: string }) => i.id)),
      new Set(open.map((r) => r.id)),
    );
    const dues = risk.body.items.map((i: { dueAt: string }) => Date.parse(i.dueAt));
    assert.deepEqual(
      dues,
      [...dues].sort((a, b) => a - b),
    );
    const unanswered = risk.body.items.find((i: { id: string }) => i.id === ids[4]);
    assert.equal(unanswered.breached, true);
    assert.equal(unanswered.target, 'firstResponse');
  });

  it('refuses reports to agents', async () => {
    const denied = await call(running.baseUrl, 'GET', `/api/reports/sla?${query}`, { token: agentToken });
    assert.equal(denied.status, 403);
  });
});
