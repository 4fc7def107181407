/**
 * SLA benchmark: timer accuracy with many armed timers, and reports latency over many conversations, each
 * with a baseline measured in the same run.
 *
 * - Timers: BENCH_TIMERS conversations (default 10,000) whose first-response breach falls 60–120 s after
 *   arming (plus their warnings), armed through the SLA service (bull delayed jobs). Lateness = recorded
 *   breach time − due time. Baseline: the lateness of the same number of empty bull delayed jobs with the
 *   same spread of delays, processed at the same time.
 * - Reports: BENCH_CONVERSATIONS conversations (default 100,000) with stored SLA numbers; latency of
 *   `GET /api/reports/sla?groupBy=team` against an aggregation-free read of the same documents and fields.
 *
 * Run: `npx tsx bench/sla.bench.ts` (embedded engine in memory mode and a private redis-server, unless
 * MONGODB_URI / REDIS_URL are set). Results: bench/results/sla.json and sla.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Bull from 'bull';
import { Types } from 'mongoose';
import { root, startBenchHub } from './support/bench-stack';

const TIMERS = Number(process.env.BENCH_TIMERS ?? 10_000);
const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 100_000);
const REPORT_RUNS = Number(process.env.BENCH_REPORT_RUNS ?? 5);
/** The first breach falls LEAD seconds after arming starts (arming must finish first); breaches spread over WINDOW. */
const LEAD_S = Number(process.env.BENCH_LEAD_S ?? 120);
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 300);

function summary(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? null;
  return {
    n: sorted.length,
    medianMs: at(0.5),
    p99Ms: at(0.99),
    maxMs: sorted.at(-1) ?? null,
    minMs: sorted[0] ?? null,
  };
}

async function main() {
  const bench = await startBenchHub({ SLA_SWEEP_INTERVAL_MS: '0' });
  const { hub, baseUrl, redisUrl } = bench;
  const prefix = hub.config.QUEUE_PREFIX;
  const conversations = hub.connection.collection('conversations');
  const results: Record<string, unknown> = {
    startedAt: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    engine: bench.engine,
    timers: TIMERS,
    conversations: CONVERSATIONS,
  };

  try {
    // ---------------------------------------------------------------- timers
    await hub.sla.admin.createPolicy({
      name: 'bench',
      order: 1,
      enabled: true,
      isDefault: true,
      conditions: {},
      calendarId: null,
      targets: { firstResponse: (LEAD_S + WINDOW_S) / 60 },
      warningThreshold: 0.8,
      escalations: [],
    });
    const armStart = Date.now();
    const docs = Array.from({ length: TIMERS }, (_, i) => {
      // Due (inbound + LEAD + WINDOW) falls LEAD … LEAD + WINDOW seconds after arming begins.
      const inboundAt = new Date(armStart - Math.floor((i / TIMERS) * WINDOW_S * 1000));
      return {
        _id: new Types.ObjectId(),
        number: 1_000_000 + i,
        contactId: `c${i}`,
        primaryChannel: 'sms',
        inboxId: 'bench',
        status: 'open',
        priority: 'normal',
        category: 'inquiry',
        teamId: null,
        assigneeId: null,
        ownerId: null,
        channels: ['sms'],
        createdAt: inboundAt,
        updatedAt: inboundAt,
        lastMessageAt: inboundAt,
        metrics: { firstInboundAt: inboundAt, reopenCount: 0 },
        sla: { history: [{ type: 'inbound', at: inboundAt, ref: `m${i}` }] },
      };
    });
    for (let i = 0; i < docs.length; i += 2000) await conversations.insertMany(docs.slice(i, i + 2000));
    const ids = docs.map((d) => String(d._id));
    let next = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < ids.length) await hub.sla.service.check(ids[next++]!);
      }),
    );
    const armedMs = Date.now() - armStart;
    console.log(`armed ${TIMERS * 2} timers (warning + breach) in ${armedMs} ms`);

    // Baseline: empty delayed jobs with the same spread of due times, on their own queue.
    const baselineQueue = new Bull<{ due: number }>('bench-empty', { redis: redisUrl, prefix });
    const lateness: number[] = [];
    void baselineQueue.process(20, (job) => {
      lateness.push(Date.now() - job.data.due);
      return Promise.resolve();
    });
    const baselineStart = Date.now();
    for (let i = 0; i < TIMERS; i += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, TIMERS - i) }, (_, k) => {
          const due =
            armStart + (LEAD_S + WINDOW_S) * 1000 - Math.floor(((i + k) / TIMERS) * WINDOW_S * 1000);
          return baselineQueue.add({ due }, { delay: Math.max(0, due - Date.now()), removeOnComplete: true });
        }),
      );
    }
    console.log(`baseline: ${TIMERS} empty delayed jobs added in ${Date.now() - baselineStart} ms`);

    const deadline = armStart + (LEAD_S + WINDOW_S + 120) * 1000;
    for (;;) {
      const fired = await conversations.countDocuments({ 'sla.events.kind': 'breach' });
      if ((fired >= TIMERS && lateness.length >= TIMERS) || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      console.log(`breaches recorded ${fired}/${TIMERS}, baseline jobs ${lateness.length}/${TIMERS}`);
    }
    const breachLateness: number[] = [];
    const cursor = conversations.find(
      { _id: { $in: docs.map((d) => d._id) } },
      { projection: { 'sla.events': 1 } },
    );
    for await (const doc of cursor) {
      for (const event of (doc.sla as { events?: { kind: string; dueAt: Date; firedAt: Date }[] }).events ??
        [])
        if (event.kind === 'breach') breachLateness.push(event.firedAt.getTime() - event.dueAt.getTime());
    }
    results.timerAccuracy = {
      armTimeMs: armedMs,
      leadSeconds: LEAD_S,
      windowSeconds: WINDOW_S,
      breach: summary(breachLateness),
      missing: TIMERS - breachLateness.length,
      baselineEmptyDelayedJob: summary(lateness),
      goal: 'p99 < 2000 ms',
      met: (summary(breachLateness).p99Ms ?? Infinity) < 2000 && breachLateness.length === TIMERS,
    };
    console.log(JSON.stringify(results.timerAccuracy, null, 2));
    await baselineQueue.close();

    // ---------------------------------------------------------------- reports
    await conversations.deleteMany({});
    const teamIds = Array.from({ length: 20 }, () => String(new Types.ObjectId()));
    const base = new Date('2026-09-01T00:00:00Z').getTime();
    let seed = 42;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const insertStart = Date.now();
    for (let i = 0; i < CONVERSATIONS; i += 5000) {
      const batch = Array.from({ length: Math.min(5000, CONVERSATIONS - i) }, (_, k) => {
        const n = i + k;
        const firstInboundAt = new Date(base + Math.floor(random() * 30 * 86_400_000));
        const frt = Math.round(random() * 240 * 1000) / 1000;
        const res = Math.round(random() * 4000 * 1000) / 1000;
        const resolved = random() < 0.8;
        const breachCount = random() < 0.1 ? 1 : 0;
        return {
          number: 2_000_000 + n,
          contactId: `c${n}`,
          primaryChannel: ['sms', 'email', 'chat', 'voice', 'whatsapp'][n % 5],
          inboxId: 'bench',
          status: resolved ? 'resolved' : 'open',
          priority: ['low', 'normal', 'high', 'urgent'][n % 4],
          category: ['complaint', 'inquiry', 'suggestion', 'praise', 'other'][n % 5],
          teamId: teamIds[n % teamIds.length],
          assigneeId: `agent${n % 200}`,
          createdAt: firstInboundAt,
          metrics: { firstInboundAt },
          csat: resolved && random() < 0.5 ? { score: 1 + Math.floor(random() * 5) } : undefined,
          sla: {
            policyId: 'p1',
            breached: breachCount > 0,
            breachCount,
            firstResponse: { businessMinutes: frt, calendarMinutes: frt * 1.7 },
            resolution: resolved
              ? { businessMinutes: res, calendarMinutes: res * 2.1 }
              : { businessMinutes: null },
          },
        };
      });
      await conversations.insertMany(batch);
    }
    console.log(`inserted ${CONVERSATIONS} conversations in ${Date.now() - insertStart} ms`);
    const supervisor = await hub.agents.agents.createAgent(
      {
        email: 'sup@bench.test',
        name: 'sup',
        password: 'correct horse battery',
        role: 'supervisor',
        teamIds: [],
      },
      null,
    );
    void supervisor;
    const login = await fetch(`${baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'sup@bench.test', password: 'correct horse battery' }),
    });
    const { token } = (await login.json()) as { token: string };
    const from = '2026-09-01T00:00:00Z';
    const to = '2026-10-01T00:00:00Z';
    const reportMs: number[] = [];
    const baselineMs: number[] = [];
    let rows = 0;
    for (let run = 0; run < REPORT_RUNS; run++) {
      let t = performance.now();
      const response = await fetch(`${baseUrl}/api/reports/sla?from=${from}&to=${to}&groupBy=team`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await response.json()) as { rows: unknown[]; totals: { count: number } };
      reportMs.push(performance.now() - t);
      rows = body.rows.length;
      if (body.totals.count !== CONVERSATIONS) throw new Error(`report counted ${body.totals.count}`);
      t = performance.now();
      const read = await conversations
        .find(
          { 'metrics.firstInboundAt': { $gte: new Date(from), $lt: new Date(to) } },
          {
            projection: {
              teamId: 1,
              category: 1,
              status: 1,
              'metrics.firstInboundAt': 1,
              'csat.score': 1,
              'sla.policyId': 1,
              'sla.breached': 1,
              'sla.breachCount': 1,
              'sla.firstResponse': 1,
              'sla.resolution': 1,
            },
          },
        )
        .toArray();
      baselineMs.push(performance.now() - t);
      if (read.length !== CONVERSATIONS) throw new Error(`baseline read ${read.length}`);
    }
    results.reports = {
      groups: rows,
      reportApi: summary(reportMs),
      baselineAggregationFreeRead: summary(baselineMs),
      runs: REPORT_RUNS,
    };
    console.log(JSON.stringify(results.reports, null, 2));
  } finally {
    await bench.close();
  }

  results.finishedAt = new Date().toISOString();
  const outDir = path.join(root, 'bench', 'results');
  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, 'sla.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(path.join(outDir, 'sla.md'), renderMarkdown(results));
  console.log('wrote bench/results/sla.json and sla.md');
}

function renderMarkdown(results: Record<string, unknown>): string {
  const timers = results.timerAccuracy as {
    armTimeMs: number;
    missing: number;
    met: boolean;
    breach: ReturnType<typeof summary>;
    baselineEmptyDelayedJob: ReturnType<typeof summary>;
  };
  const reports = results.reports as {
    groups: number;
    runs: number;
    reportApi: ReturnType<typeof summary>;
    baselineAggregationFreeRead: ReturnType<typeof summary>;
  };
  const fmt = (v: number | null) => (v === null ? '–' : `${Math.round(v)}`);
  return `# SLA benchmark

Run ${String(results.startedAt)} on ${String(results.cpus)} CPUs, Node ${String(results.node)}, ${String(results.engine)}.

## Timer accuracy (${String(results.timers)} conversations, each with a warning and a breach timer)

Lateness = the breach's recorded \`firedAt\` (when the timer job's check ran; the record is written in
the same check) − its due time. Goal: p99 < 2 s. Arming took ${timers.armTimeMs} ms; the
breaches (and their warnings, at 80 %) fall due over ${String((results.timerAccuracy as { windowSeconds: number }).windowSeconds)} s starting ${String((results.timerAccuracy as { leadSeconds: number }).leadSeconds)} s after arming began.

| | n | median ms | p99 ms | max ms |
|---|---|---|---|---|
| SLA breach (bull delayed job → re-check → record) | ${timers.breach.n} | ${fmt(timers.breach.medianMs)} | ${fmt(timers.breach.p99Ms)} | ${fmt(timers.breach.maxMs)} |
| baseline: empty bull delayed job | ${timers.baselineEmptyDelayedJob.n} | ${fmt(timers.baselineEmptyDelayedJob.medianMs)} | ${fmt(timers.baselineEmptyDelayedJob.p99Ms)} | ${fmt(timers.baselineEmptyDelayedJob.maxMs)} |

Missing breaches: ${timers.missing}. Goal met: ${timers.met ? 'yes' : 'no'}.

## Reports API latency (${String(results.conversations)} conversations, ${reports.groups} team groups, ${reports.runs} runs)

| | median ms | p99 ms | max ms |
|---|---|---|---|
| \`GET /api/reports/sla?groupBy=team\` | ${fmt(reports.reportApi.medianMs)} | ${fmt(reports.reportApi.p99Ms)} | ${fmt(reports.reportApi.maxMs)} |
| baseline: aggregation-free read of the same documents and fields | ${fmt(reports.baselineAggregationFreeRead.medianMs)} | ${fmt(reports.baselineAggregationFreeRead.p99Ms)} | ${fmt(reports.baselineAggregationFreeRead.maxMs)} |
`;
}

await main();
// Bull blocking clients of closed queues keep reconnecting; the run is over.
process.exit(0);
