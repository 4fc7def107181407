/**
 * The supervisor SLA report's aggregation (the pipeline server/modules/sla/sla-reports.ts sends) over
 * BENCH_REPORT_CONVERSATIONS conversations (default 100,000), on the engine's native aggregation path and,
 * in the same run on the same data, on the mingo path it replaced (`nativeAggregation: false`), both
 * through the driver. Also `$match + $count`, which the mingo path answered by converting every document.
 *
 * Run: `npx tsx bench/report-aggregation.bench.ts`. Knobs: BENCH_SCALE, BENCH_REPORT_CONVERSATIONS,
 * BENCH_REPORT_RUNS (5), BENCH_NOTE. Results: bench/results/report-aggregation.json and .md.
 */
import os from 'node:os';
import { MongoClient, ObjectId, type Document } from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongo } from '../server/embedded-mongo';
import { slaReportPipeline } from '../server/modules/sla';
import { machineInfo, sized, writeResults } from './support/bench-stack';

const CONVERSATIONS = sized('BENCH_REPORT_CONVERSATIONS', 100_000, 1000);
const RUNS = Number(process.env.BENCH_REPORT_RUNS ?? 5);
const NOTE = process.env.BENCH_NOTE ?? '';
const TEAMS = Array.from({ length: 20 }, () => String(new ObjectId()));
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

function conversation(i: number): Document {
  const r = (k: number) => ((i * 2654435761 + k * 40503) % 1000) / 1000;
  const breached = r(1) < 0.2;
  return {
    number: 10_001 + i,
    teamId: TEAMS[i % TEAMS.length],
    assigneeId: `agent-${i % 50}`,
    primaryChannel: ['sms', 'email', 'whatsapp', 'webchat'][i % 4],
    category: r(2) < 0.2 ? 'complaint' : 'inquiry',
    priority: 'normal',
    status: ['open', 'pending', 'resolved', 'closed'][i % 4],
    metrics: { firstInboundAt: new Date(T0 + Math.floor(r(3) * 90 * DAY)), reopenCount: 0 },
    sla: {
      policyId: 'policy-1',
      breached,
      breachCount: breached ? 1 : 0,
      firstResponse: { businessMinutes: Math.round(r(4) * 120), calendarMinutes: Math.round(r(5) * 400) },
      resolution:
        i % 2 ? { businessMinutes: Math.round(r(6) * 900), calendarMinutes: Math.round(r(7) * 3000) } : {},
    },
    csat: i % 3 ? { score: 1 + Math.floor(r(8) * 5) } : undefined,
    subject: `Conversation ${i}: a question about my order`,
  };
}

/** The report's own pipeline, grouped by team (what `GET /api/reports/sla?groupBy=team` runs). */
const reportPipeline = (from: Date, to: Date): Document[] => slaReportPipeline('$teamId', from, to, to);

/** Median wall time and median CPU time (this process: engine and driver both run here) of RUNS runs. */
async function medians(fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const cpu = process.cpuUsage();
    const t = performance.now();
    await fn();
    walls.push(performance.now() - t);
    const used = process.cpuUsage(cpu);
    cpus.push((used.user + used.system) / 1000);
  }
  const median = (list: number[]) =>
    Math.round(list.sort((a, b) => a - b)[Math.floor(list.length / 2)]! * 10) / 10;
  return { wall: median(walls), cpu: median(cpus) };
}

async function measure(nativeAggregation: boolean): Promise<Record<string, number | string>> {
  const engine: EmbeddedMongo = await startEmbeddedMongo({
    port: 0,
    durability: 'memory',
    nativeAggregation,
  });
  const client = await MongoClient.connect(engine.uri);
  try {
    const c = client.db('bench').collection('conversations');
    await c.createIndex({ 'metrics.firstInboundAt': 1 });
    for (let from = 0; from < CONVERSATIONS; from += 1000)
      await c.insertMany(
        Array.from({ length: Math.min(1000, CONVERSATIONS - from) }, (_, k) => conversation(from + k)),
      );
    const all = reportPipeline(new Date(T0), new Date(T0 + 90 * DAY));
    const week = reportPipeline(new Date(T0 + 83 * DAY), new Date(T0 + 90 * DAY));
    const rows = (await c.aggregate(all).toArray()).length;
    const report = await medians(() => c.aggregate(all).toArray());
    const lastWeek = await medians(() => c.aggregate(week).toArray());
    const count = await medians(() => c.countDocuments({ status: 'open' }));
    return {
      path: nativeAggregation ? 'native' : 'mingo',
      groups: rows,
      reportAllMedianMs: report.wall,
      reportAllCpuMedianMs: report.cpu,
      reportLastWeekMedianMs: lastWeek.wall,
      reportLastWeekCpuMedianMs: lastWeek.cpu,
      matchCountMedianMs: count.wall,
      matchCountCpuMedianMs: count.cpu,
    };
  } finally {
    await client.close();
    await engine.stop();
  }
}

async function main(): Promise<void> {
  const info = machineInfo();
  process.stdout.write(`report-aggregation: ${CONVERSATIONS} conversations, ${RUNS} runs per figure\n`);
  const native = await measure(true);
  process.stdout.write(`native: ${JSON.stringify(native)}\n`);
  const mingo = await measure(false);
  process.stdout.write(`mingo: ${JSON.stringify(mingo)}\n`);
  const json = {
    benchmark: 'report-aggregation',
    ...info,
    loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100),
    ...(NOTE ? { note: NOTE } : {}),
    conversations: CONVERSATIONS,
    runs: RUNS,
    native,
    mingo,
  };
  const md = `# Report aggregation benchmark

Run ${String(info.date)} on ${String(info.cpus)} CPUs, Node ${String(info.node)}; engine in process, memory mode, driven through the driver.
Load average at start: ${(info.loadAverageAtStart as number[]).join(', ')}; at end: ${json.loadAverageAtEnd.join(', ')}.${NOTE ? `\n\nNote: ${NOTE}` : ''}

${CONVERSATIONS} conversations; the SLA report's pipeline (\`$match\` on \`metrics.firstInboundAt\` + \`$group\` by team with 4 \`$push\` (durations), 11 \`$sum\` (counts, CSAT, backlog buckets) + \`$sort\`), median of ${RUNS} runs.

Wall time, and in brackets the CPU time of the process (engine and driver both run in it): on a shared
machine the CPU time is the figure that does not depend on the other processes.

| query | native path | mingo path (before) |
|---|---|---|
| SLA report, all ${CONVERSATIONS} conversations (${String(native.groups)} groups) | ${String(native.reportAllMedianMs)} ms (CPU ${String(native.reportAllCpuMedianMs)} ms) | ${String(mingo.reportAllMedianMs)} ms (CPU ${String(mingo.reportAllCpuMedianMs)} ms) |
| SLA report, last 7 of 90 days | ${String(native.reportLastWeekMedianMs)} ms (CPU ${String(native.reportLastWeekCpuMedianMs)} ms) | ${String(mingo.reportLastWeekMedianMs)} ms (CPU ${String(mingo.reportLastWeekCpuMedianMs)} ms) |
| countDocuments({status: 'open'}) ($match + $group) | ${String(native.matchCountMedianMs)} ms (CPU ${String(native.matchCountCpuMedianMs)} ms) | ${String(mingo.matchCountMedianMs)} ms (CPU ${String(mingo.matchCountCpuMedianMs)} ms) |
`;
  await writeResults('report-aggregation', json, md);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `report-aggregation bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
