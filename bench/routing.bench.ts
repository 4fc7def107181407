/**
 * Routing benchmark (issue "live routing"): latency from an inbound event to `offer:new` at the agent's
 * socket, in two scenarios, each beside a bare Socket.IO emit → receive measured in the same run.
 *
 * - A, steady load: BENCH_ROUTING_AGENTS agents (default 10) online with spare messaging capacity; signed
 *   Twilio SMS webhooks from new customers sent open-loop at BENCH_ROUTING_RATE per second (default 20) for
 *   BENCH_ROUTING_SECONDS (default 30). Latency = webhook request start → `offer:new` for that conversation
 *   at the offered agent (conversation ids matched through a supervisor's `message:new`).
 * - B, 1,000 queued: BENCH_ROUTING_BACKLOG conversations (default 1,000) are queued while no agent is
 *   online. One agent with capacity 1 then comes online (latency presence:set → first offer), and for
 *   BENCH_ROUTING_BACKLOG_SAMPLES rounds (default 50) accepts its offer and resolves the conversation;
 *   latency = start of the resolve request (which frees the slot) → the next `offer:new`, i.e. how fast a
 *   freed slot is refilled from a 1,000-deep queue. It includes the resolve HTTP call, reported on its own.
 *
 * Baseline: a bare Socket.IO server in this process emitting an offer-sized payload to a socket.io-client
 * (websocket) at the same rate and count; latency = emit → receive.
 *
 * Run: `npx tsx bench/routing.bench.ts` (in-process hub, fresh engine + redis per scenario).
 * BENCH_SCALE multiplies the defaults. Results: bench/results/routing.json and routing.md.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { Server } from 'socket.io';
import { io } from 'socket.io-client';
import {
  connectBenchAgent,
  machineInfo,
  postSignedSms,
  ratio,
  setPresence,
  sized,
  sleep,
  smsParams,
  startBenchHub,
  summarize,
  waitFor,
  writeResults,
  type BenchAgent,
  type BenchHub,
  type LatencySummary,
} from './support/bench-stack';

const AGENTS = sized('BENCH_ROUTING_AGENTS', 10, 2);
const RATE = Number(process.env.BENCH_ROUTING_RATE ?? 20);
const SECONDS = sized('BENCH_ROUTING_SECONDS', 30, 3);
const BACKLOG = sized('BENCH_ROUTING_BACKLOG', 1000, 20);
const BACKLOG_SAMPLES = sized('BENCH_ROUTING_BACKLOG_SAMPLES', 50, 5);
const PRODUCERS = 50;
const WAIT_MS = Number(process.env.BENCH_ROUTING_TIMEOUT_MS ?? 300_000);
const HUB_CONFIG = {
  // Offers stay pending for the whole run: no expiry or unanswered timer interferes with the measure.
  ROUTING_OFFER_TIMEOUT_SECONDS: '3600',
  ROUTING_UNANSWERED_TIMEOUT_SECONDS: '36000',
  ROUTING_DISCONNECT_GRACE_SECONDS: '3600',
};

type Offer = { offerId: string; conversation: { id: string } };

/** Tracks which conversation each of our texts landed in (through a supervisor's message:new). */
async function watchConversations(bench: BenchHub, teamId: string) {
  const supervisor = await connectBenchAgent(bench, {
    email: 'supervisor@bench.omnihub',
    teamIds: [teamId],
    role: 'supervisor',
    online: false,
  });
  const conversationOf = new Map<string, string>();
  supervisor.socket.on('message:new', (p: { message: { text?: string; conversationId: string } }) => {
    if (p.message.text) conversationOf.set(p.message.text, p.message.conversationId);
  });
  return { supervisor, conversationOf };
}

async function scenarioSteady(runId: string) {
  const bench = await startBenchHub(HUB_CONFIG);
  try {
    const team = await bench.hub.agents.agents.createTeam({ name: 'Steady' }, null);
    const { supervisor, conversationOf } = await watchConversations(bench, team.id);
    const total = RATE * SECONDS;
    const capacity = Math.ceil(total / AGENTS) + 10;
    const offeredAt = new Map<string, number>();
    const agents: BenchAgent[] = [];
    for (let a = 0; a < AGENTS; a++) {
      const agent = await connectBenchAgent(bench, {
        email: `steady${a}@bench.omnihub`,
        teamIds: [team.id],
        capacity,
        online: true,
      });
      agent.socket.on('offer:new', (offer: Offer) => offeredAt.set(offer.conversation.id, performance.now()));
      agents.push(agent);
    }
    // Warm-up: a few conversations before the clock starts.
    for (let i = 0; i < 5; i++)
      await postSignedSms(bench.baseUrl, smsParams(900_000 + i, runId, `warm ${runId} ${i}`));
    await waitFor(() => offeredAt.size >= 5, WAIT_MS, 'warm-up offers');

    process.stdout.write(
      `routing A: ${total} events at ${RATE}/s to ${AGENTS} agents (capacity ${capacity})\n`,
    );
    const sentAt: number[] = [];
    const sends: Promise<number>[] = [];
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      sentAt[i] = performance.now();
      sends.push(postSignedSms(bench.baseUrl, smsParams(i, runId, `steady ${runId} ${i}`)));
    }
    const statuses = await Promise.all(sends);
    // When the process (driver and hub share it) falls behind, the open-loop sender falls behind too.
    const sendWindowMs = performance.now() - t0;
    const offerFor = (i: number) => offeredAt.get(conversationOf.get(`steady ${runId} ${i}`) ?? '');
    await waitFor(
      () => sentAt.every((_, i) => offerFor(i) !== undefined),
      WAIT_MS,
      'an offer for every steady-load conversation',
    );
    const latencies = sentAt.map((start, i) => offerFor(i)! - start);
    agents.forEach((a) => a.socket.close());
    supervisor.socket.close();
    return {
      events: total,
      ratePerSecond: RATE,
      agents: AGENTS,
      capacityPerAgent: capacity,
      non200: statuses.filter((s) => s !== 200).length,
      sendWindowMs: Math.round(sendWindowMs),
      achievedRatePerSecond: Math.round((total / sendWindowMs) * 1000 * 10) / 10,
      latency: summarize(latencies),
    };
  } finally {
    await bench.close();
  }
}

async function scenarioBacklog(runId: string) {
  const bench = await startBenchHub(HUB_CONFIG);
  try {
    const team = await bench.hub.agents.agents.createTeam({ name: 'Backlog' }, null);
    const { supervisor, conversationOf } = await watchConversations(bench, team.id);
    process.stdout.write(`routing B: queueing ${BACKLOG} conversations with no agent online\n`);
    let next = 0;
    await Promise.all(
      Array.from({ length: PRODUCERS }, async () => {
        while (next < BACKLOG) {
          const i = next++;
          await postSignedSms(bench.baseUrl, smsParams(i, runId, `queued ${runId} ${i}`));
        }
      }),
    );
    await waitFor(() => conversationOf.size >= BACKLOG, WAIT_MS, 'every queued conversation');
    const queued = await bench.hub.conversations.models.Conversation.countDocuments({ assigneeId: null });

    const agent = await connectBenchAgent(bench, {
      email: 'drain@bench.omnihub',
      teamIds: [team.id],
      capacity: 1,
      online: false,
    });
    const offers: { offer: Offer; at: number }[] = [];
    let notify: (() => void) | undefined;
    agent.socket.on('offer:new', (offer: Offer) => {
      offers.push({ offer, at: performance.now() });
      notify?.();
    });
    const nextOffer = async (count: number) => {
      const deadline = Date.now() + WAIT_MS;
      while (offers.length < count) {
        if (Date.now() > deadline) throw new Error(`no offer #${count} within ${WAIT_MS} ms`);
        await new Promise<void>((resolve) => {
          notify = resolve;
          setTimeout(resolve, 1000);
        });
      }
      return offers[count - 1]!;
    };

    const onlineStart = performance.now();
    await setPresence(agent.socket, 'online');
    const first = await nextOffer(1);
    const onlineToOffer = first.at - onlineStart;

    process.stdout.write(`routing B: ${BACKLOG_SAMPLES} slot-freed → offer samples\n`);
    const latencies: number[] = [];
    const resolveMs: number[] = [];
    let current = first.offer;
    for (let k = 0; k < BACKLOG_SAMPLES; k++) {
      const ack = (await agent.socket
        .timeout(60_000)
        .emitWithAck('offer:accept', { offerId: current.offerId })) as {
        ok: boolean;
      };
      if (!ack.ok) throw new Error(`offer:accept failed: ${JSON.stringify(ack)}`);
      const start = performance.now();
      const res = await fetch(`${bench.baseUrl}/api/conversations/${current.conversation.id}/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.token}` },
        body: JSON.stringify({ status: 'resolved' }),
      });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`resolve: HTTP ${res.status}`);
      resolveMs.push(performance.now() - start);
      const offered = await nextOffer(k + 2);
      latencies.push(offered.at - start);
      current = offered.offer;
    }
    agent.socket.close();
    supervisor.socket.close();
    return {
      queued: BACKLOG,
      unassignedWhenAgentCameOnline: queued,
      onlineToFirstOfferMs: Math.round(onlineToOffer * 10) / 10,
      samples: BACKLOG_SAMPLES,
      latency: summarize(latencies),
      resolveHttp: summarize(resolveMs),
    };
  } finally {
    await bench.close();
  }
}

/** Bare Socket.IO: a server emitting an offer-sized payload to one websocket client, `count` times. */
async function baselineEmits(count: number, intervalMs: number): Promise<LatencySummary> {
  const http = createServer();
  const server = new Server(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  const connected = new Promise<import('socket.io').Socket>((resolve) => server.on('connection', resolve));
  const client = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
  const serverSocket = await connected;
  const sent = new Map<number, number>();
  const latencies: number[] = [];
  client.on('offer:new', (p: { seq: number }) => latencies.push(performance.now() - sent.get(p.seq)!));
  const payload = {
    eventId: '6743b1c2a9f1e2d3c4b5a697',
    offerId: '6743b1c2a9f1e2d3c4b5a698',
    expiresAt: new Date().toISOString(),
    conversation: {
      id: '6743b1c2a9f1e2d3c4b5a699',
      number: 1234,
      status: 'new',
      priority: 'normal',
      category: 'inquiry',
      channel: 'sms',
      contact: { id: '6743b1c2a9f1e2d3c4b5a69a', name: '+8613900001234' },
      teamId: '6743b1c2a9f1e2d3c4b5a69b',
      updatedAt: new Date().toISOString(),
    },
  };
  const t0 = performance.now();
  for (let seq = 0; seq < count; seq++) {
    const wait = t0 + seq * intervalMs - performance.now();
    if (wait > 0) await sleep(wait);
    sent.set(seq, performance.now());
    serverSocket.emit('offer:new', { ...payload, seq });
  }
  await waitFor(() => latencies.length >= count, 60_000, 'baseline receipts');
  client.close();
  await server.close();
  return summarize(latencies);
}

async function main() {
  const info = machineInfo();
  const runId = Date.now().toString(36).slice(-6);
  const steady = await scenarioSteady(runId);
  const steadyBaseline = await baselineEmits(steady.events, 1000 / RATE);
  const backlog = await scenarioBacklog(runId);
  const backlogBaseline = await baselineEmits(BACKLOG_SAMPLES, 50);

  const json = {
    benchmark: 'routing',
    ...info,
    loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100),
    hub: 'embedded engine (memory mode), in-process hub, a fresh engine and redis-server per scenario',
    definitions: {
      steady: 'signed SMS webhook request start → offer:new for that conversation at the offered agent',
      backlog:
        'with the backlog queued: start of the resolve request that frees the only slot → next offer:new at that agent (includes the resolve HTTP call)',
      baseline: 'bare Socket.IO server → socket.io-client (websocket), offer-sized payload, emit → receive',
    },
    steady: { ...steady, baseline: steadyBaseline },
    backlog: { ...backlog, baseline: backlogBaseline },
  };
  const s = steady.latency;
  const b = backlog.latency;
  const md = `# Routing benchmark

Run ${String(info.date)} on ${String(info.cpus)} CPUs (${String(info.cpuModel)}), Node ${String(info.node)}, in-process hub on the embedded engine (memory mode) and a private redis-server.
Load average at start: ${(info.loadAverageAtStart as number[]).join(', ')} (results depend on the machine and its load).

- **Steady**: ${steady.agents} agents online (capacity ${steady.capacityPerAgent} each), ${steady.events} new-customer SMS webhooks sent open-loop at ${steady.ratePerSecond}/s. Latency = webhook request start → \`offer:new\` at the agent.
- **${backlog.queued} queued**: ${backlog.queued} conversations queued with no agent online (${backlog.unassignedWhenAgentCameOnline} unassigned). One agent (capacity 1) comes online, then ${backlog.samples} times accepts, resolves, and waits. Latency = resolve request start (slot freed) → next \`offer:new\`. Agent online → first offer: ${backlog.onlineToFirstOfferMs} ms; resolve HTTP alone: median ${backlog.resolveHttp.medianMs} ms.
- **Baseline**: a bare Socket.IO server in the same process emitting an offer-sized payload to a socket.io-client, same count (and rate for steady); latency = emit → receive.

| scenario | omnihub median ms | omnihub p99 ms | baseline median ms | baseline p99 ms | ratio (median / p99) |
|---|---|---|---|---|---|
| steady ${steady.ratePerSecond}/s, ${steady.agents} agents | ${s.medianMs} | ${s.p99Ms} | ${steadyBaseline.medianMs} | ${steadyBaseline.p99Ms} | ${ratio(s.medianMs, steadyBaseline.medianMs)} / ${ratio(s.p99Ms, steadyBaseline.p99Ms)} |
| ${backlog.queued} queued, slot freed → offer | ${b.medianMs} | ${b.p99Ms} | ${backlogBaseline.medianMs} | ${backlogBaseline.p99Ms} | ${ratio(b.medianMs, backlogBaseline.medianMs)} / ${ratio(b.p99Ms, backlogBaseline.p99Ms)} |

Webhooks not answered 200 during the steady run: ${steady.non200}. Steady send rate achieved: ${steady.achievedRatePerSecond}/s of ${steady.ratePerSecond}/s${
    steady.achievedRatePerSecond < steady.ratePerSecond * 0.9 || (s.medianMs ?? 0) > 5000
      ? ' — **saturated**: the hub (and the driver sharing its process) could not keep up with this rate on this machine, so the steady latency is mostly queueing delay; lower BENCH_ROUTING_RATE to measure routing itself'
      : ''
  }.
`;
  await writeResults('routing', json, md);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `routing bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
