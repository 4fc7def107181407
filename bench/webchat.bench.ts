/**
 * Web chat benchmark (issue 12): the widget's gzipped bundle sizes against their budgets (the run fails
 * over budget), and the latency from a visitor's `message:send` to the agent side's `message:new` with
 * BENCH_WEBCHAT_VISITORS visitor sockets connected (default 500), beside a bare Socket.IO relay (client →
 * server → another client) and echo (client → server → the same client) measured in the same run, with as
 * many idle client sockets connected to the bare server as the hub has visitors.
 *
 * Connections that fail (a loaded machine, file descriptors) are counted with their reasons and reported:
 * the run measures with the visitors it reached and says how many that was.
 *
 * Samples: BENCH_WEBCHAT_SAMPLES messages (default 60), one every 1000/BENCH_WEBCHAT_RATE ms (default 2/s),
 * each from another connected visitor (so each opens a conversation: new contact, ingest, routing);
 * latency = send start → `message:new` carrying that text at a supervisor's /agent socket. The rate stays
 * under what the hub ingests on the shared 2-core machine (bench/results/ingest.md: ~5 events/s), so the
 * numbers are the path's latency, not a backlog's.
 *
 * Run: `npx tsx bench/webchat.bench.ts`. BENCH_SCALE multiplies the defaults. Results:
 * bench/results/webchat.json and webchat.md.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import { buildWidgetBundles, gzippedSize, LOADER_BUDGET_BYTES } from '../connectors/webchat/webchat-bundles';
import {
  connectBenchAgent,
  machineInfo,
  ratio,
  sized,
  sleep,
  startBenchHub,
  summarize,
  waitFor,
  writeResults,
} from './support/bench-stack';

/** The chat UI's budget (socket.io-client included): the issue's 30 KB, like the loader's. */
const CHAT_BUDGET_BYTES = 30 * 1024;
/** How long one socket may take to connect before it counts as failed. */
const CONNECT_TIMEOUT_MS = 30_000;
const VISITORS = sized('BENCH_WEBCHAT_VISITORS', 500);
const SAMPLES = Math.min(sized('BENCH_WEBCHAT_SAMPLES', 60), VISITORS);
const RATE = Number(process.env.BENCH_WEBCHAT_RATE ?? 2);

async function measureSizes() {
  const bundles = await buildWidgetBundles();
  return {
    loader: {
      bytes: bundles.loader.length,
      gzipBytes: gzippedSize(bundles.loader),
      budgetGzipBytes: LOADER_BUDGET_BYTES,
    },
    chat: {
      bytes: bundles.chat.length,
      gzipBytes: gzippedSize(bundles.chat),
      budgetGzipBytes: CHAT_BUDGET_BYTES,
    },
    css: { bytes: bundles.css.length, gzipBytes: gzippedSize(bundles.css) },
  };
}

interface Connected {
  sockets: Socket[];
  failed: number;
  /** Failure reasons and how often each happened. */
  reasons: Record<string, number>;
}

/** Connects `count` sockets in batches of 50; `ready` names the event that says a socket is usable. */
async function connectMany(
  url: string,
  count: number,
  auth: object | null,
  ready: string,
): Promise<Connected> {
  const result: Connected = { sockets: [], failed: 0, reasons: {} };
  for (let start = 0; start < count; start += 50) {
    const batch = Array.from({ length: Math.min(50, count - start) }, () => {
      const socket = io(url, {
        ...(auth ? { auth } : {}),
        transports: ['websocket'],
        reconnection: false,
        timeout: CONNECT_TIMEOUT_MS,
      });
      return new Promise<Socket>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${ready} within ${CONNECT_TIMEOUT_MS} ms`)),
          CONNECT_TIMEOUT_MS,
        );
        socket.once(ready, () => {
          clearTimeout(timer);
          resolve(socket);
        });
        socket.once('connect_error', (error: Error & { data?: { code?: string } }) => {
          clearTimeout(timer);
          reject(new Error(error.data?.code ?? error.message));
        });
      }).catch((error: unknown) => {
        socket.close();
        throw error;
      });
    });
    for (const outcome of await Promise.allSettled(batch)) {
      if (outcome.status === 'fulfilled') result.sockets.push(outcome.value);
      else {
        result.failed += 1;
        const reason = outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason);
        result.reasons[reason] = (result.reasons[reason] ?? 0) + 1;
      }
    }
  }
  return result;
}

async function hubLatency() {
  const bench = await startBenchHub({
    WEBCHAT_CONNECTIONS_PER_MINUTE: '1000000',
    WEBCHAT_IP_MESSAGES_PER_MINUTE: '1000000',
    WEBCHAT_MESSAGES_PER_MINUTE: '1000',
  });
  try {
    const team = await bench.hub.agents.agents.createTeam({ name: 'Web' }, null);
    const supervisor = await connectBenchAgent(bench, {
      email: 'bench-supervisor@example.com',
      teamIds: [team.id],
      role: 'supervisor',
      online: false,
    });
    const arrived = new Map<string, number>();
    supervisor.socket.on('message:new', (payload: { message: { text?: string } }) => {
      const text = payload.message.text;
      if (text?.startsWith('bench-') && !arrived.has(text)) arrived.set(text, performance.now());
    });
    const connectStart = performance.now();
    const connected = await connectMany(`${bench.baseUrl}/customer`, VISITORS, { inbox: 'demo' }, 'session');
    const connectMs = performance.now() - connectStart;
    const visitors = connected.sockets;
    if (visitors.length === 0) throw new Error(`no visitor connected: ${JSON.stringify(connected.reasons)}`);
    const started = new Map<string, number>();
    for (let i = 0; i < SAMPLES; i++) {
      const text = `bench-${i}`;
      started.set(text, performance.now());
      // Each sample from another visitor, spread over all of them.
      const visitor = visitors[Math.floor((i * visitors.length) / SAMPLES)]!;
      visitor.emit('message:send', { clientId: `benchclient${i}`, text }, () => undefined);
      await sleep(1000 / RATE);
    }
    await waitFor(() => arrived.size >= SAMPLES, 120_000, 'every message:new');
    // Every visitor socket still up at the end (none dropped under the load).
    const stillConnected = visitors.filter((socket) => socket.connected).length;
    const latencies = [...started].map(([text, at]) => arrived.get(text)! - at);
    for (const socket of visitors) socket.close();
    supervisor.socket.close();
    return {
      requested: VISITORS,
      connected: visitors.length,
      stillConnected,
      failed: connected.failed,
      failureReasons: connected.reasons,
      connectMs: Math.round(connectMs),
      latency: summarize(latencies),
    };
  } finally {
    await bench.close();
  }
}

/**
 * A bare Socket.IO server with as many idle clients connected as the hub had visitors: relay (one client
 * emits, the server forwards to another client) and echo (the server answers the same client).
 */
async function baselineLatency(idleClients: number) {
  const http = createServer();
  const server = new Server(http);
  server.on('connection', (socket) => {
    socket.on('relay', (text: string) => void socket.broadcast.to('receivers').emit('relayed', text));
    socket.on('echo', (text: string) => void socket.emit('echoed', text));
    socket.on('receive', () => void socket.join('receivers'));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const idle = await connectMany(url, idleClients, null, 'connect');
  const { sockets } = await connectMany(url, 2, null, 'connect');
  const [sender, receiver] = sockets as [Socket, Socket];
  receiver.emit('receive');
  await sleep(100);
  const measure = async (event: 'relay' | 'echo', back: string, on: Socket) => {
    const arrived = new Map<string, number>();
    on.on(back, (text: string) => arrived.set(text, performance.now()));
    const started = new Map<string, number>();
    for (let i = 0; i < SAMPLES; i++) {
      const text = `${event}-${i}`;
      started.set(text, performance.now());
      sender.emit(event, text);
      await sleep(1000 / RATE);
    }
    await waitFor(() => arrived.size >= SAMPLES, 60_000, `every ${event} answer`);
    return summarize([...started].map(([text, at]) => arrived.get(text)! - at));
  };
  const relay = await measure('relay', 'relayed', receiver);
  const echo = await measure('echo', 'echoed', sender);
  for (const socket of [...idle.sockets, sender, receiver]) socket.close();
  await server.close();
  return { idleClients: idle.sockets.length, relay, echo };
}

async function main() {
  const machine = machineInfo();
  const sizes = await measureSizes();
  const overBudget = [
    sizes.loader.gzipBytes > sizes.loader.budgetGzipBytes ? 'loader' : null,
    sizes.chat.gzipBytes > sizes.chat.budgetGzipBytes ? 'chat' : null,
  ].filter(Boolean);
  const hub = await hubLatency();
  const bare = await baselineLatency(hub.connected);
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const markdown = `# Web chat benchmark

Machine: ${String(machine.cpus)} × ${String(machine.cpuModel)}, load at start ${JSON.stringify(machine.loadAverageAtStart)}.

| bundle | minified | gzipped | budget (gzipped) |
|---|---|---|---|
| loader (/widget.js) | ${kb(sizes.loader.bytes)} | ${kb(sizes.loader.gzipBytes)} | ${kb(sizes.loader.budgetGzipBytes)} |
| chat UI (/webchat/chat.js, lazy) | ${kb(sizes.chat.bytes)} | ${kb(sizes.chat.gzipBytes)} | ${kb(sizes.chat.budgetGzipBytes)} |
| chat CSS | ${kb(sizes.css.bytes)} | ${kb(sizes.css.gzipBytes)} | — |

Visitor sockets: ${hub.connected} of ${VISITORS} requested connected (in ${hub.connectMs} ms), ${hub.stillConnected}
still connected after the samples${hub.failed ? `; ${hub.failed} failed: ${JSON.stringify(hub.failureReasons)}` : ''}.
Visitor \`message:send\` → supervisor's \`message:new\`, ${SAMPLES} samples at ${RATE}/s, each from another
visitor; the bare server had ${bare.idleClients} idle clients connected:

| path | median | p95 | p99 | max |
|---|---|---|---|---|
| hub (handshake state, ingest, timeline, routing, realtime) | ${hub.latency.medianMs} ms | ${hub.latency.p95Ms} ms | ${hub.latency.p99Ms} ms | ${hub.latency.maxMs} ms |
| bare Socket.IO relay (client → server → other client) | ${bare.relay.medianMs} ms | ${bare.relay.p95Ms} ms | ${bare.relay.p99Ms} ms | ${bare.relay.maxMs} ms |
| bare Socket.IO echo (client → server → same client) | ${bare.echo.medianMs} ms | ${bare.echo.p95Ms} ms | ${bare.echo.p99Ms} ms | ${bare.echo.maxMs} ms |

Hub / bare relay median: ${ratio(hub.latency.medianMs, bare.relay.medianMs)}; p99: ${ratio(hub.latency.p99Ms, bare.relay.p99Ms)}.${overBudget.length ? `\n\n**Over budget: ${overBudget.join(', ')}**` : ''}
`;
  await writeResults(
    'webchat',
    { machine, sizes, visitors: VISITORS, samples: SAMPLES, rate: RATE, hub, bare, overBudget },
    markdown,
  );
  if (overBudget.length) {
    process.stderr.write(`bundle over budget: ${overBudget.join(', ')}\n`);
    process.exit(1);
  }
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
