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
 * Three hub runs, each on a fresh hub: `omnihub` (engine in memory mode, empty database), `journaled` (the
 * default durability: every acknowledged write fdatasync'ed), and `preloaded` (memory mode, with
 * BENCH_INGEST_PRELOAD_CONVERSATIONS conversations, as many contacts and
 * BENCH_INGEST_PRELOAD_MESSAGES_PER_CONVERSATION messages each already stored: how ingest cost grows with
 * data; the goal is at most 1.3× slower than empty).
 *
 * Run: `npx tsx bench/ingest.bench.ts`. Knobs: BENCH_SCALE (multiplies the defaults), BENCH_INGEST_EVENTS
 * (default 600), BENCH_INGEST_PRODUCERS (50), BENCH_INGEST_WARMUP (50), BENCH_INGEST_PRELOAD_CONVERSATIONS
 * (100,000), BENCH_INGEST_PRELOAD_MESSAGES_PER_CONVERSATION (10), BENCH_NOTE (a line for the results).
 * Results: bench/results/ingest.json and ingest.md.
 */
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import express from 'express';
import { Types, type Model } from 'mongoose';
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
  type BenchDurability,
  type BenchHub,
  type LatencySummary,
} from './support/bench-stack';

const EVENTS = sized('BENCH_INGEST_EVENTS', 600, 50);
const PRODUCERS = Number(process.env.BENCH_INGEST_PRODUCERS ?? 50);
const WARMUP = sized('BENCH_INGEST_WARMUP', 50, 10);
const PUSH_TIMEOUT_MS = Number(process.env.BENCH_INGEST_PUSH_TIMEOUT_MS ?? 180_000);
const PRELOAD_CONVERSATIONS = sized('BENCH_INGEST_PRELOAD_CONVERSATIONS', 100_000, 100);
const PRELOAD_MESSAGES_PER_CONVERSATION = Number(
  process.env.BENCH_INGEST_PRELOAD_MESSAGES_PER_CONVERSATION ?? 10,
);
const NOTE = process.env.BENCH_NOTE ?? '';

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

/** Driver housekeeping (heartbeats, sessions) and the bench's own reads of the counters: not the hub's work. */
const HOUSEKEEPING = new Set(['hello', 'ismaster', 'isMaster', 'ping', 'endSessions', 'serverStatus']);

/** The engine's command counters (`serverStatus.metrics.commands`), without housekeeping. */
async function engineCommands(bench: BenchHub): Promise<Map<string, number>> {
  const status = await bench.hub.connection.db!.admin().command({ serverStatus: 1 });
  const commands = (status.metrics as { commands?: Record<string, { total: unknown }> } | undefined)
    ?.commands;
  const counts = new Map<string, number>();
  for (const [name, count] of Object.entries(commands ?? {}))
    if (!HOUSEKEEPING.has(name)) counts.set(name, Number(count.total));
  return counts;
}

/** Engine commands per event between two counter readings, in total and by command name. */
function commandsPerEvent(before: Map<string, number>, after: Map<string, number>, events: number) {
  const byCommand: Record<string, number> = {};
  let total = 0;
  for (const [name, count] of after) {
    const delta = count - (before.get(name) ?? 0);
    if (delta <= 0) continue;
    total += delta;
    byCommand[name] = Math.round((delta / events) * 10) / 10;
  }
  return { perEvent: Math.round((total / events) * 10) / 10, byCommand };
}

/** CPU time (user + system, ms) of a process from /proc/<pid>/stat; null where /proc is not there. */
function procCpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of stat (11 and 12 after the command name), in clock ticks.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
const CLOCK_TICKS = 100;

/** CPU per event: this process (hub, engine when in process, producers and supervisor client) and the engine process. */
function cpuMeter(enginePid: number | undefined) {
  const start = process.cpuUsage();
  const engineStart = enginePid ? procCpuMs(enginePid) : null;
  return (events: number) => {
    const used = process.cpuUsage(start);
    const engineEnd = enginePid ? procCpuMs(enginePid) : null;
    const perEvent = (ms: number) => Math.round((ms / events) * 100) / 100;
    return {
      benchProcessMsPerEvent: perEvent((used.user + used.system) / 1000),
      engineProcessMsPerEvent:
        engineStart !== null && engineEnd !== null ? perEvent(engineEnd - engineStart) : null,
    };
  };
}

interface HubRun {
  /** The whole path with PRODUCERS producers. */
  result: RunResult & {
    commands: ReturnType<typeof commandsPerEvent> | null;
    cpu: ReturnType<ReturnType<typeof cpuMeter>>;
  };
  engine: string;
  /** The hub's answer, for the baseline to send the same bytes. */
  twiml: string;
  contentType: string;
}

/**
 * Stores `conversations` conversations (one contact each, `messagesPer` messages each) through the hub's
 * own models, so every index the hub declares holds them. Phone numbers and conversation numbers stay
 * clear of the producers'.
 */
async function preload(bench: BenchHub, conversations: number, messagesPer: number): Promise<void> {
  const { Contact, Conversation, Message } = bench.hub.connection.models as Record<string, Model<unknown>>;
  if (!Contact || !Conversation || !Message) throw new Error('preload: hub models not registered');
  const inbox = String(
    (await bench.hub.connection.db!.collection('inboxes').findOne({ channel: 'sms' }))?._id,
  );
  const chunk = 1000;
  const base = Date.now() - 30 * 86_400_000;
  for (let from = 0; from < conversations; from += chunk) {
    const n = Math.min(chunk, conversations - from);
    const ids = Array.from({ length: n }, () => new Types.ObjectId());
    const convIds = Array.from({ length: n }, () => new Types.ObjectId());
    const at = (i: number) => new Date(base + (from + i) * 1000);
    const phone = (i: number) => `+1999${String(from + i).padStart(7, '0')}`;
    await Contact.insertMany(
      ids.map((_id, i) => ({
        _id,
        name: `Preloaded ${from + i}`,
        phones: [phone(i)],
        identities: [{ channel: 'sms', externalId: phone(i) }],
        createdAt: at(i),
        updatedAt: at(i),
      })),
    );
    await Conversation.insertMany(
      convIds.map((_id, i) => ({
        _id,
        number: 900_000_000 + from + i,
        contactId: String(ids[i]),
        primaryChannel: 'sms',
        channels: ['sms'],
        inboxId: inbox,
        status: i % 3 === 0 ? 'open' : 'resolved',
        openingKey: `sms:preloaded-${from + i}`,
        metrics: { firstInboundAt: at(i), lastInboundAt: at(i), reopenCount: 0 },
        lastMessageAt: at(i),
      })),
    );
    const messages = convIds.flatMap((conversationId, i) =>
      Array.from({ length: messagesPer }, (_, k) => ({
        conversationId: String(conversationId),
        contactId: String(ids[i]),
        seq: k + 1,
        direction: k % 2 === 0 ? 'inbound' : 'outbound',
        kind: 'message',
        channel: 'sms',
        inboxId: inbox,
        ...(k % 2 === 0 ? { externalId: `SMpre${from + i}x${k}` } : {}),
        text: `preloaded message ${k}`,
        occurredAt: new Date(at(i).getTime() + k * 60_000),
      })),
    );
    for (let m = 0; m < messages.length; m += 5000) await Message.insertMany(messages.slice(m, m + 5000));
    if (from % 20_000 === 0) process.stdout.write(`ingest: preloaded ${from + n}/${conversations}\n`);
  }
}

/** One hub, one supervisor socket, WARMUP then EVENTS signed webhooks; `phase` keeps texts apart. */
async function runHub(
  runId: string,
  phase: string,
  options: {
    durability: BenchDurability;
    engineProcess?: boolean;
    preload?: { conversations: number; messagesPer: number };
  },
): Promise<HubRun> {
  const bench = await startBenchHub(
    {},
    { durability: options.durability, ...(options.engineProcess ? { engineProcess: true } : {}) },
  );
  try {
    const team = await bench.hub.agents.agents.createTeam({ name: 'Bench' }, null);
    if (options.preload) {
      process.stdout.write(
        `ingest: preloading ${options.preload.conversations} conversations × ${options.preload.messagesPer} messages\n`,
      );
      await preload(bench, options.preload.conversations, options.preload.messagesPer);
    }
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
    const textOf = (p: string, i: number) => `bench ${runId} ${phase} ${p} ${i}`;
    const sendHub = (p: string, offset: number) => (i: number) =>
      postSignedSms(bench.baseUrl, smsParams(offset + i, runId, textOf(p, i)));

    // Capture the hub's TwiML answer so the baseline returns exactly the same bytes.
    const probe = smsParams(9_999_999, runId, textOf('probe', 0));
    const probeRes = await fetchSignedSms(bench.baseUrl, probe);
    const twiml = await probeRes.text();
    if (probeRes.status !== 200) throw new Error(`probe webhook: HTTP ${probeRes.status} ${twiml}`);
    const contentType = probeRes.headers.get('content-type') ?? 'text/xml';
    await pushed(textOf('probe', 0));

    process.stdout.write(
      `ingest: ${phase}: warm-up ${WARMUP}, then ${EVENTS} events, ${PRODUCERS} producers\n`,
    );
    await drive(WARMUP, sendHub('warmup', 1_000_000), (i) => pushed(textOf('warmup', i)));
    const timeout = setTimeout(() => {
      process.stderr.write(
        `ingest: ${waiters.size} message:new pushes missing after ${PUSH_TIMEOUT_MS} ms\n`,
      );
      process.exit(1);
    }, PUSH_TIMEOUT_MS);
    // Counted by the engine (an external MONGODB_URI may not report them): includes the hub's timers.
    const countsBefore = process.env.MONGODB_URI ? null : await engineCommands(bench);
    const cpu = cpuMeter(bench.enginePid);
    const run = await drive(EVENTS, sendHub('run', 2_000_000), (i) => pushed(textOf('run', i)));
    clearTimeout(timeout);
    await waitFor(() => waiters.size === 0, 1000, 'pushes');
    const commands = countsBefore
      ? commandsPerEvent(countsBefore, await engineCommands(bench), EVENTS)
      : null;
    const result = { ...run, commands, cpu: cpu(EVENTS) };
    supervisor.socket.close();
    return { result, engine: bench.engine, twiml, contentType };
  } finally {
    await bench.close();
  }
}

async function main() {
  const info = machineInfo();
  const runId = Date.now().toString(36).slice(-6);

  const memory = await runHub(runId, 'memory', { durability: 'memory' });
  const omnihub = memory.result;

  // Baseline: bare Express, same body parsing, same answer.
  const app = express();
  app.post('/webhooks/twilio/sms', express.urlencoded({ extended: false }), (req, res) => {
    if (typeof (req.body as Record<string, unknown>).MessageSid !== 'string') return res.status(400).end();
    res.type(memory.contentType).send(memory.twiml);
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const baselineUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sendBaseline = (i: number) => postSignedSms(baselineUrl, smsParams(i, runId, `baseline ${i}`));
  process.stdout.write(
    `ingest: baseline, warm-up ${WARMUP}, then ${EVENTS} events, ${PRODUCERS} producers\n`,
  );
  await drive(WARMUP, sendBaseline);
  const baselineCpu = cpuMeter(undefined);
  const baseline = { ...(await drive(EVENTS, sendBaseline)), cpu: baselineCpu(EVENTS) };
  await new Promise((resolve) => server.close(resolve));

  const journaled = (await runHub(runId, 'journaled', { durability: 'journaled' })).result;
  // The default of `npm start`: the journaled engine as its own process beside the hub.
  const ownProcess = (await runHub(runId, 'own-process', { durability: 'journaled', engineProcess: true }))
    .result;
  const preloadedRun = (
    await runHub(runId, 'preloaded', {
      durability: 'memory',
      preload: { conversations: PRELOAD_CONVERSATIONS, messagesPer: PRELOAD_MESSAGES_PER_CONVERSATION },
    })
  ).result;
  const preloaded = {
    conversations: PRELOAD_CONVERSATIONS,
    contacts: PRELOAD_CONVERSATIONS,
    messages: PRELOAD_CONVERSATIONS * PRELOAD_MESSAGES_PER_CONVERSATION,
    eventsPerSecond: preloadedRun.eventsPerSecond,
    latency: preloadedRun.latency,
    httpLatency: preloadedRun.httpLatency,
    non200: preloadedRun.non200,
    commands: preloadedRun.commands,
    cpu: preloadedRun.cpu,
    /** How much slower ingest is with the data than empty (goal ≤ 1.3). */
    slowdown: Math.round((omnihub.eventsPerSecond / preloadedRun.eventsPerSecond) * 100) / 100,
  };

  const json = {
    benchmark: 'ingest',
    ...info,
    loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100),
    ...(NOTE ? { note: NOTE } : {}),
    hub: memory.engine,
    path: 'POST /webhooks/twilio/sms (signed) → validate → resolve contact/conversation → append → message:new on a supervisor socket',
    baselinePath: 'bare Express: express.urlencoded + the same TwiML answer',
    events: EVENTS,
    producers: PRODUCERS,
    warmup: WARMUP,
    omnihub,
    baseline,
    journaled,
    /** Journaled engine in its own process (the default of `npm start`); the others run it in the bench process. */
    ownProcess,
    preloaded,
    ratios: {
      throughput: Math.round((baseline.eventsPerSecond / omnihub.eventsPerSecond) * 10) / 10,
      /** Omnihub ÷ bare Express throughput (goal ≥ 0.5). */
      omnihubToBaseline: Math.round((omnihub.eventsPerSecond / baseline.eventsPerSecond) * 1000) / 1000,
      journaledToBaseline: Math.round((journaled.eventsPerSecond / baseline.eventsPerSecond) * 1000) / 1000,
      ownProcessToBaseline: Math.round((ownProcess.eventsPerSecond / baseline.eventsPerSecond) * 1000) / 1000,
      medianLatency: ratio(omnihub.latency.medianMs, baseline.latency.medianMs),
      p99Latency: ratio(omnihub.latency.p99Ms, baseline.latency.p99Ms),
    },
  };
  const o = omnihub.latency;
  const j = journaled.latency;
  const w = ownProcess.latency;
  const p = preloaded.latency;
  const b = baseline.latency;
  const md = `# Ingest benchmark

Run ${String(info.date)} on ${String(info.cpus)} CPUs (${String(info.cpuModel)}), Node ${String(info.node)}.
Load average at start: ${(info.loadAverageAtStart as number[]).join(', ')}; at end: ${json.loadAverageAtEnd.join(', ')} (results depend on the machine and its load).${NOTE ? `\n\nNote: ${NOTE}` : ''}

${EVENTS} signed Twilio SMS webhooks, ${PRODUCERS} concurrent producers, after ${WARMUP} warm-up events; each hub run on a fresh in-process hub.
Omnihub latency: request start → \`message:new\` received by a connected supervisor socket.
Baseline latency: request start → response from a bare Express app parsing the same body and answering the same TwiML.
Preloaded: ${preloaded.conversations} conversations and contacts, ${preloaded.messages} messages stored before the run (memory mode).

| scenario | omnihub (memory) | omnihub (journaled) | omnihub (journaled, engine in its own process, as npm start) | omnihub (memory, preloaded) | baseline (bare Express) |
|---|---|---|---|---|---|
| throughput (events/s) | ${omnihub.eventsPerSecond} | ${journaled.eventsPerSecond} | ${ownProcess.eventsPerSecond} | ${preloaded.eventsPerSecond} | ${baseline.eventsPerSecond} |
| ÷ baseline | ${json.ratios.omnihubToBaseline} | ${json.ratios.journaledToBaseline} | ${json.ratios.ownProcessToBaseline} | ${Math.round((preloaded.eventsPerSecond / baseline.eventsPerSecond) * 1000) / 1000} | 1 |
| latency median (ms) | ${o.medianMs} | ${j.medianMs} | ${w.medianMs} | ${p.medianMs} | ${b.medianMs} |
| latency p95 (ms) | ${o.p95Ms} | ${j.p95Ms} | ${w.p95Ms} | ${p.p95Ms} | ${b.p95Ms} |
| latency p99 (ms) | ${o.p99Ms} | ${j.p99Ms} | ${w.p99Ms} | ${p.p99Ms} | ${b.p99Ms} |
| CPU ms per event: bench process (hub + producers) / engine process | ${omnihub.cpu.benchProcessMsPerEvent} | ${journaled.cpu.benchProcessMsPerEvent} | ${ownProcess.cpu.benchProcessMsPerEvent} / ${ownProcess.cpu.engineProcessMsPerEvent ?? 'n/a'} | ${preloadedRun.cpu.benchProcessMsPerEvent} | ${baseline.cpu.benchProcessMsPerEvent} |
| engine commands per event | ${omnihub.commands?.perEvent ?? 'n/a'} | ${journaled.commands?.perEvent ?? 'n/a'} | ${ownProcess.commands?.perEvent ?? 'n/a'} | ${preloadedRun.commands?.perEvent ?? 'n/a'} | 0 |

Engine commands per event (memory run, by command): ${JSON.stringify(omnihub.commands?.byCommand ?? {})}; counted by the engine over the measured run, the hub's timers included.

Preloaded ÷ empty slowdown: ${preloaded.slowdown}× (goal ≤ 1.3×). Omnihub HTTP response alone (request → 200 TwiML, memory): median ${omnihub.httpLatency.medianMs} ms, p99 ${omnihub.httpLatency.p99Ms} ms. Non-200 answers: memory ${omnihub.non200}, journaled ${journaled.non200}, own process ${ownProcess.non200}, preloaded ${preloaded.non200}, baseline ${baseline.non200}.
`;
  await writeResults('ingest', json, md);
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
