/**
 * Shared helpers for the ingest, routing and SLA benchmarks: an in-process hub on the embedded engine (memory
 * mode) and a private redis-server (or MONGODB_URI / REDIS_URL when set), signed Twilio SMS webhooks,
 * agents logged in over HTTP with a real socket.io-client, latency summaries and results files.
 *
 * Everything listens on 127.0.0.1; the Twilio REST base points at a closed loopback port so nothing the
 * hub might send leaves the machine.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import twilio from 'twilio';
import { loadConfig } from '../../server/config';
import { startEmbeddedMongo } from '../../server/embedded-mongo';
import { createHub, type Hub } from '../../server/hub';
import { startEngineProcess } from '../../server/infra/engine-process';
import { privateSocketPath } from '../../server/infra/mongo';
import { startPrivateRedis } from '../../server/infra/redis-server';
import { createLogger } from '../../server/lib/logger';

export const PUBLIC_URL = 'http://hub.bench';
export const TWILIO = {
  sid: 'AC22222222222222222222222222222222',
  token: 'bench-twilio-auth-token',
  number: '+15005550006',
};
export const PASSWORD = 'correct horse battery';
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** BENCH_SCALE multiplies every default size (0.1 = a quick smoke run). */
export const SCALE = Number(process.env.BENCH_SCALE ?? 1);
export function sized(envName: string, fallback: number, min = 1): number {
  const raw = process.env[envName];
  if (raw !== undefined) return Number(raw);
  return Math.max(min, Math.round(fallback * SCALE));
}

export interface BenchHub {
  hub: Hub;
  baseUrl: string;
  /** The Redis the hub uses (for baseline queues beside it). */
  redisUrl: string;
  engine: string;
  /** The engine's process when it runs as its own (its CPU time is read from /proc). */
  enginePid?: number;
  close(): Promise<void>;
}

/** How the embedded engine keeps data in a bench run: memory, or journaled (the hub's default). */
export type BenchDurability = 'memory' | 'journaled';

/**
 * Starts the infrastructure and one in-process hub listening on 127.0.0.1:0. The engine runs inside the
 * bench process unless `engineProcess` (then as its own process on a private socket, as `npm start` runs
 * it).
 */
export async function startBenchHub(
  overrides: Record<string, string> = {},
  options: { durability?: BenchDurability; engineProcess?: boolean } = {},
): Promise<BenchHub> {
  const logger = createLogger({ level: 'error', pretty: false });
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'omnihub-bench-'));
  const durability = options.durability ?? 'memory';
  const dataDir = path.join(tmp, 'engine');
  const engine = process.env.MONGODB_URI
    ? null
    : options.engineProcess
      ? await startEngineProcess({
          socketPath: await privateSocketPath(tmp, 'mongo.sock'),
          dataDir,
          durability,
          logger,
        })
      : await startEmbeddedMongo({
          port: 0,
          durability,
          ...(durability === 'memory' ? {} : { dataDir }),
        });
  const redis = process.env.REDIS_URL
    ? null
    : await startPrivateRedis({ dataDir: path.join(tmp, 'redis'), binary: 'redis-server', logger });
  const mongoUri = process.env.MONGODB_URI ?? engine!.uri;
  const redisUrl = process.env.REDIS_URL ?? redis!.url;
  const id = Date.now().toString(36);
  const config = loadConfig({
    NODE_ENV: 'production',
    PORT: '0',
    DATA_DIR: path.join(tmp, 'data'),
    PUBLIC_URL,
    MONGODB_URI: mongoUri,
    MONGODB_DB: `bench_${id}`,
    QUEUE_PREFIX: `bench-${id}`,
    SEED_DEMO: '0',
    LOG_LEVEL: 'warn',
    ACCESS_TOKEN_TTL_SECONDS: '86400',
    API_RATE_LIMIT_PER_MINUTE: '1000000',
    LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
    TWILIO_ACCOUNT_SID: TWILIO.sid,
    TWILIO_AUTH_TOKEN: TWILIO.token,
    TWILIO_PHONE_NUMBER: TWILIO.number,
    TWILIO_API_BASE: 'http://127.0.0.1:9',
    ...overrides,
  });
  const hub = await createHub({ config, logger, infra: { mongoUri, redisUrl } });
  const port = await hub.listen(0, '127.0.0.1');
  return {
    hub,
    baseUrl: `http://127.0.0.1:${port}`,
    redisUrl,
    ...(engine && 'pid' in engine && typeof engine.pid === 'function' ? { enginePid: engine.pid() } : {}),
    engine: engine
      ? `embedded engine (${durability} mode${options.engineProcess ? ', own process' : ', in the bench process'}), in-process hub`
      : 'MONGODB_URI, in-process hub',
    async close() {
      await hub.connection.dropDatabase().catch(() => undefined);
      await hub.close().catch(() => undefined);
      await redis?.stop().catch(() => undefined);
      await engine?.stop().catch(() => undefined);
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

/** The form fields of an inbound Twilio SMS. */
export function smsParams(index: number, runId: string, text: string): Record<string, string> {
  return {
    AccountSid: TWILIO.sid,
    MessageSid: `SM${runId}${index.toString().padStart(32 - runId.length, '0')}`,
    From: `+86139${index.toString().padStart(8, '0')}`,
    To: TWILIO.number,
    Body: text,
    NumMedia: '0',
  };
}

/** POSTs a signed SMS webhook (signed for PUBLIC_URL, as Twilio would). */
export function fetchSignedSms(baseUrl: string, params: Record<string, string>): Promise<Response> {
  const signature = twilio.getExpectedTwilioSignature(
    TWILIO.token,
    `${PUBLIC_URL}/webhooks/twilio/sms`,
    params,
  );
  return fetch(`${baseUrl}/webhooks/twilio/sms`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams(params).toString(),
  });
}

/** POSTs a signed SMS webhook; resolves with the HTTP status once the body is read. */
export async function postSignedSms(baseUrl: string, params: Record<string, string>): Promise<number> {
  const res = await fetchSignedSms(baseUrl, params);
  await res.arrayBuffer();
  return res.status;
}

export interface BenchAgent {
  agentId: string;
  token: string;
  socket: Socket;
}

/** Creates an agent through the service, logs in over HTTP and connects a socket to /agent. */
export async function connectBenchAgent(
  bench: BenchHub,
  input: {
    email: string;
    teamIds: string[];
    role?: 'agent' | 'supervisor' | 'admin';
    capacity?: number;
    online: boolean;
  },
): Promise<BenchAgent> {
  const agent = await bench.hub.agents.agents.createAgent(
    {
      email: input.email,
      name: input.email.split('@')[0]!,
      password: PASSWORD,
      role: input.role ?? 'agent',
      teamIds: input.teamIds,
      ...(input.capacity === undefined ? {} : { capacity: { messaging: input.capacity } }),
    },
    null,
  );
  const token = await login(bench.baseUrl, input.email);
  const socket = io(`${bench.baseUrl}/agent`, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  if (input.online) await setPresence(socket, 'online');
  return { agentId: agent.id, token, socket };
}

export async function login(baseUrl: string, email: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  if (!res.ok) throw new Error(`login ${email}: HTTP ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}

export async function setPresence(socket: Socket, status: 'online' | 'away' | 'offline'): Promise<void> {
  const ack = (await socket.timeout(60_000).emitWithAck('presence:set', { status })) as { ok: boolean };
  if (!ack.ok) throw new Error(`presence:set ${status} failed: ${JSON.stringify(ack)}`);
}

export interface LatencySummary {
  n: number;
  minMs: number | null;
  medianMs: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

/** Nearest-rank percentiles, rounded to 0.1 ms. */
export function summarize(values: number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => {
    const v = sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
    return v === undefined ? null : Math.round(v * 10) / 10;
  };
  return {
    n: sorted.length,
    minMs: at(0),
    medianMs: at(0.5),
    p95Ms: at(0.95),
    p99Ms: at(0.99),
    maxMs: at(1),
  };
}

export function ratio(a: number | null, b: number | null): string {
  if (a === null || b === null || b === 0) return 'n/a';
  return `${(a / b).toFixed(1)}×`;
}

export function machineInfo(): Record<string, unknown> {
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    totalMemMb: Math.round(os.totalmem() / 1024 / 1024),
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
    scale: SCALE,
  };
}

/** Writes bench/results/<name>.json and <name>.md, and prints the markdown. */
export async function writeResults(
  name: string,
  json: Record<string, unknown>,
  markdown: string,
): Promise<void> {
  const dir = path.join(root, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(path.join(dir, `${name}.md`), markdown);
  process.stdout.write(`\n${markdown}\nWritten: bench/results/${name}.json, bench/results/${name}.md\n`);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves when `done()` is true, or rejects after `timeoutMs`. */
export async function waitFor(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
