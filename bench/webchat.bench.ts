/**
 * Web chat benchmark (issue 12): the widget's gzipped bundle sizes against their budgets (the run fails
 * over budget), and the latency from a visitor's `message:send` to the agent side's `message:new` with
 * BENCH_WEBCHAT_VISITORS visitor sockets connected (default 500), beside a bare Socket.IO relay (client →
 * server → another client) measured in the same run.
 *
 * Samples: BENCH_WEBCHAT_SAMPLES messages (default 100), one every 1000/BENCH_WEBCHAT_RATE ms (default 20/s),
 * each from another connected visitor; latency = send start → `message:new` carrying that text at a
 * supervisor's /agent socket.
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

/** The chat UI's budget (socket.io-client included): far below the ~170 KiB widgets users complain about. */
const CHAT_BUDGET_BYTES = 60 * 1024;
const VISITORS = sized('BENCH_WEBCHAT_VISITORS', 500);
const SAMPLES = Math.min(sized('BENCH_WEBCHAT_SAMPLES', 100), VISITORS);
const RATE = Number(process.env.BENCH_WEBCHAT_RATE ?? 20);

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

async function connectVisitors(baseUrl: string, count: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let start = 0; start < count; start += 50) {
    const batch = Array.from({ length: Math.min(50, count - start) }, () => {
      const socket = io(`${baseUrl}/customer`, {
        auth: { inbox: 'demo' },
        transports: ['websocket'],
        reconnection: false,
      });
      return new Promise<Socket>((resolve, reject) => {
        socket.once('session', () => resolve(socket));
        socket.once('connect_error', reject);
      });
    });
    sockets.push(...(await Promise.all(batch)));
  }
  return sockets;
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
    const visitors = await connectVisitors(bench.baseUrl, VISITORS);
    const connectMs = performance.now() - connectStart;
    const started = new Map<string, number>();
    for (let i = 0; i < SAMPLES; i++) {
      const text = `bench-${i}`;
      started.set(text, performance.now());
      visitors[i]!.emit('message:send', { clientId: `benchclient${i}`, text }, () => undefined);
      await sleep(1000 / RATE);
    }
    await waitFor(() => arrived.size >= SAMPLES, 120_000, 'every message:new');
    const latencies = [...started].map(([text, at]) => arrived.get(text)! - at);
    for (const socket of visitors) socket.close();
    supervisor.socket.close();
    return { connectMs: Math.round(connectMs), latency: summarize(latencies) };
  } finally {
    await bench.close();
  }
}

/** A bare Socket.IO relay: one client emits, the server forwards to another client. */
async function baselineLatency() {
  const http = createServer();
  const server = new Server(http);
  server.on('connection', (socket) =>
    socket.on('relay', (text: string) => void socket.broadcast.emit('relayed', text)),
  );
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const connect = () =>
    new Promise<Socket>((resolve) => {
      const socket = io(url, { transports: ['websocket'] });
      socket.once('connect', () => resolve(socket));
    });
  const [sender, receiver] = [await connect(), await connect()];
  const arrived = new Map<string, number>();
  receiver.on('relayed', (text: string) => arrived.set(text, performance.now()));
  const started = new Map<string, number>();
  for (let i = 0; i < SAMPLES; i++) {
    const text = `bare-${i}`;
    started.set(text, performance.now());
    sender.emit('relay', text);
    await sleep(1000 / RATE);
  }
  await waitFor(() => arrived.size >= SAMPLES, 60_000, 'every relayed message');
  sender.close();
  receiver.close();
  await server.close();
  return summarize([...started].map(([text, at]) => arrived.get(text)! - at));
}

async function main() {
  const machine = machineInfo();
  const sizes = await measureSizes();
  const overBudget = [
    sizes.loader.gzipBytes > sizes.loader.budgetGzipBytes ? 'loader' : null,
    sizes.chat.gzipBytes > sizes.chat.budgetGzipBytes ? 'chat' : null,
  ].filter(Boolean);
  const hub = await hubLatency();
  const bare = await baselineLatency();
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const markdown = `# Web chat benchmark

Machine: ${String(machine.cpus)} × ${String(machine.cpuModel)}, load at start ${JSON.stringify(machine.loadAverageAtStart)}.

| bundle | minified | gzipped | budget (gzipped) |
|---|---|---|---|
| loader (/widget.js) | ${kb(sizes.loader.bytes)} | ${kb(sizes.loader.gzipBytes)} | ${kb(sizes.loader.budgetGzipBytes)} |
| chat UI (/webchat/chat.js, lazy) | ${kb(sizes.chat.bytes)} | ${kb(sizes.chat.gzipBytes)} | ${kb(sizes.chat.budgetGzipBytes)} |
| chat CSS | ${kb(sizes.css.bytes)} | ${kb(sizes.css.gzipBytes)} | — |

Visitor \`message:send\` → agent \`message:new\`, ${VISITORS} visitor sockets connected (in ${hub.connectMs} ms),
${SAMPLES} samples at ${RATE}/s:

| path | median | p95 | p99 | max |
|---|---|---|---|---|
| hub (ingest, timeline, realtime) | ${hub.latency.medianMs} ms | ${hub.latency.p95Ms} ms | ${hub.latency.p99Ms} ms | ${hub.latency.maxMs} ms |
| bare Socket.IO relay | ${bare.medianMs} ms | ${bare.p95Ms} ms | ${bare.p99Ms} ms | ${bare.maxMs} ms |

Hub / bare median: ${ratio(hub.latency.medianMs, bare.medianMs)}.${overBudget.length ? `\n\n**Over budget: ${overBudget.join(', ')}**` : ''}
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
