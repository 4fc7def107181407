/**
 * Ingest benchmark (issue "unified timeline"): throughput and latency of inbound events through the full
 * path — signed Twilio SMS webhook → signature check and validation → contact/conversation resolution →
 * timeline append → `message:new` pushed to a connected supervisor socket — with BENCH_INGEST_PRODUCERS
 * concurrent producers (default 50). Latency of one event = from the start of its HTTP request to the
 * arrival of its `message:new` at the supervisor's socket.io-client (matched by the message text).
 *
 * Baseline, same process, same run, same producers and request bodies: a bare Express app parsing the same
 * urlencoded body and answering the same TwiML, without Omnihub's path (latency = request → response).
 *
 * Run: `npx tsx bench/ingest.bench.ts`. Knobs: BENCH_SCALE (multiplies the defaults), BENCH_INGEST_EVENTS
 * (default 600), BENCH_INGEST_PRODUCERS (50), BENCH_INGEST_WARMUP (50).
 * Results: bench/results/ingest.json and ingest.md.
 */
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import express from 'express';
import {
  connectBenchAgent,
  fetchSignedSms,
  machineInfo,
  postSignedSms,
  ratio,
  sized,
  smsParams,
  startBenchHub,
  summarize,
  waitFor,
  writeResults,
  type LatencySummary,
} from './support/bench-stack';

const EVENTS = sized('BENCH_INGEST_EVENTS', 600, 50);
const PRODUCERS = Number(process.env.BENCH_INGEST_PRODUCERS ?? 50);
const WARMUP = sized('BENCH_INGEST_WARMUP', 50, 10);
const PUSH_TIMEOUT_MS = Number(process.env.BENCH_INGEST_PUSH_TIMEOUT_MS ?? 180_000);

interface RunResult {
  events: number;
  wallMs: number;
  eventsPerSecond: number;
  latency: LatencySummary;
  httpLatency: LatencySummary;
  non200: number;
}

/**
 * Sends `count` events with PRODUCERS concurrent loops. An event is complete when `completedAt(i)` resolves
 * (the socket push), or when its HTTP response arrives if there is no `completedAt`.
 */
async function drive(
  count: number,
  send: (i: number) => Promise<number>,
  completedAt?: (i: number) => Promise<number>,
): Promise<RunResult> {
  const started: number[] = new Array<number>(count);
  const httpDone: number[] = new Array<number>(count);
  const finished: Promise<number>[] = new Array<Promise<number>>(count);
  let next = 0;
  let non200 = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(PRODUCERS, count) }, async () => {
      while (next < count) {
        const i = next++;
        started[i] = performance.now();
        const pushed = completedAt?.(i);
        const status = await send(i);
        httpDone[i] = performance.now();
        finished[i] = pushed ?? Promise.resolve(httpDone[i]);
        if (status !== 200) non200++;
      }
    }),
  );
  const ends = await Promise.all(finished);
  const wallMs = Math.max(...ends) - t0;
  return {
    events: count,
    wallMs: Math.round(wallMs),
    eventsPerSecond: Math.round((count / wallMs) * 1000 * 10) / 10,
    latency: summarize(ends.map((end, i) => end - started[i]!)),
    httpLatency: summarize(httpDone.map((end, i) => end - started[i]!)),
    non200,
  };
}

async function main() {
  const info = machineInfo();
  const bench = await startBenchHub();
  const runId = Date.now().toString(36).slice(-6);
  let twiml = '';
  try {
    const team = await bench.hub.agents.agents.createTeam({ name: 'Bench' }, null);
    // A supervisor sees every conversation's messages; offline so routing never offers it anything.
    const supervisor = await connectBenchAgent(bench, {
      email: 'supervisor@bench.omnihub',
      teamIds: [team.id],
      role: 'supervisor',
      online: false,
    });
    const arrivals = new Map<string, number>();
    const waiters = new Map<string, (at: number) => void>();
    supervisor.socket.on('message:new', (payload: { message: { text?: string } }) => {
      const at = performance.now();
      const text = payload.message.text ?? '';
      const waiter = waiters.get(text);
      if (waiter) {
        waiters.delete(text);
        waiter(at);
      } else arrivals.set(text, at);
    });
    const pushed = (text: string) =>
      new Promise<number>((resolve) => {
        const at = arrivals.get(text);
        if (at !== undefined) return resolve(at);
        waiters.set(text, resolve);
      });
    const textOf = (phase: string, i: number) => `bench ${runId} ${phase} ${i}`;
    const sendHub = (phase: string, offset: number) => (i: number) =>
      postSignedSms(bench.baseUrl, smsParams(offset + i, runId, textOf(phase, i)));

    // Capture the hub's TwiML answer so the baseline returns exactly the same bytes.
    const probe = smsParams(9_999_999, runId, textOf('probe', 0));
    const probeRes = await fetchSignedSms(bench.baseUrl, probe);
    twiml = await probeRes.text();
    if (probeRes.status !== 200) throw new Error(`probe webhook: HTTP ${probeRes.status} ${twiml}`);
    const contentType = probeRes.headers.get('content-type') ?? 'text/xml';
    await pushed(textOf('probe', 0));

    // Baseline: bare Express, same body parsing, same answer.
    const app = express();
    app.post('/webhooks/twilio/sms', express.urlencoded({ extended: false }), (req, res) => {
      if (typeof (req.body as Record<string, unknown>).MessageSid !== 'string') return res.status(400).end();
      res.type(contentType).send(twiml);
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const baselineUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const sendBaseline = (i: number) =>
      postSignedSms(baselineUrl, smsParams(i, runId, textOf('baseline', i)));

    process.stdout.write(`ingest: warm-up (${WARMUP} events each)\n`);
    await drive(WARMUP, sendBaseline);
    await drive(WARMUP, sendHub('warmup', 1_000_000), (i) => pushed(textOf('warmup', i)));

    process.stdout.write(`ingest: baseline, ${EVENTS} events, ${PRODUCERS} producers\n`);
    const baseline = await drive(EVENTS, sendBaseline);

    process.stdout.write(`ingest: omnihub, ${EVENTS} events, ${PRODUCERS} producers\n`);
    const timeout = setTimeout(() => {
      process.stderr.write(
        `ingest: ${waiters.size} message:new pushes missing after ${PUSH_TIMEOUT_MS} ms\n`,
      );
      process.exit(1);
    }, PUSH_TIMEOUT_MS);
    const omnihub = await drive(EVENTS, sendHub('run', 2_000_000), (i) => pushed(textOf('run', i)));
    clearTimeout(timeout);
    await waitFor(() => waiters.size === 0, 1000, 'pushes');
    await new Promise((resolve) => server.close(resolve));
    supervisor.socket.close();

    const json = {
      benchmark: 'ingest',
      ...info,
      loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100),
      hub: bench.engine,
      path: 'POST /webhooks/twilio/sms (signed) → validate → resolve contact/conversation → append → message:new on a supervisor socket',
      baselinePath: 'bare Express: express.urlencoded + the same TwiML answer',
      events: EVENTS,
      producers: PRODUCERS,
      warmup: WARMUP,
      omnihub,
      baseline,
      ratios: {
        throughput: Math.round((baseline.eventsPerSecond / omnihub.eventsPerSecond) * 10) / 10,
        medianLatency: ratio(omnihub.latency.medianMs, baseline.latency.medianMs),
        p99Latency: ratio(omnihub.latency.p99Ms, baseline.latency.p99Ms),
      },
    };
    const o = omnihub.latency;
    const b = baseline.latency;
    const md = `# Ingest benchmark

Run ${String(info.date)} on ${String(info.cpus)} CPUs (${String(info.cpuModel)}), Node ${String(info.node)}, ${bench.engine}.
Load average at start: ${(info.loadAverageAtStart as number[]).join(', ')} (results depend on the machine and its load).

${EVENTS} signed Twilio SMS webhooks, ${PRODUCERS} concurrent producers, after ${WARMUP} warm-up events.
Omnihub latency: request start → \`message:new\` received by a connected supervisor socket.
Baseline latency: request start → response from a bare Express app parsing the same body and answering the same TwiML.

| scenario | omnihub | baseline (bare Express) | ratio |
|---|---|---|---|
| throughput (events/s) | ${omnihub.eventsPerSecond} | ${baseline.eventsPerSecond} | baseline is ${json.ratios.throughput}× |
| latency median (ms) | ${o.medianMs} | ${b.medianMs} | ${json.ratios.medianLatency} |
| latency p95 (ms) | ${o.p95Ms} | ${b.p95Ms} | ${ratio(o.p95Ms, b.p95Ms)} |
| latency p99 (ms) | ${o.p99Ms} | ${b.p99Ms} | ${json.ratios.p99Latency} |

Omnihub HTTP response alone (request → 200 TwiML): median ${omnihub.httpLatency.medianMs} ms, p99 ${omnihub.httpLatency.p99Ms} ms. Non-200 answers: omnihub ${omnihub.non200}, baseline ${baseline.non200}.
`;
    await writeResults('ingest', json, md);
  } finally {
    await bench.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `ingest bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
