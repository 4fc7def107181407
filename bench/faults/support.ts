/**
 * What every fault of the fault suite (bench/faults.ts) is built from: real processes (the engine as
 * `npm run db`, redis-server, the hub as `server/main.ts`), signed SMS webhooks sent at a steady rate, and
 * the count of what is stored afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { io, type Socket } from 'socket.io-client';
import twilio from 'twilio';
import { loadConfig } from '../../server/config';
import { createHub } from '../../server/hub';
import { findFreePort } from '../../server/infra/free-port';
import { createLogger } from '../../server/lib/logger';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** One line of the fault table (and of bench/results/faults.json). */
export interface FaultRow {
  fault: string;
  acknowledged: number;
  present: number;
  missing: number;
  duplicated: number;
  recoverySeconds: number;
  /** Set when the fault could not finish (its row then proves nothing and fails the run). */
  error?: string;
}

/** A fault module: runs its fault, prints what it saw beyond the row, resolves with the row. */
export interface Fault {
  name: string;
  run(): Promise<FaultRow>;
}

/**
 * `FAULTS_SIZE=ci` (`npm run test:faults`): the suite sized for CI — shorter rounds and outages, each fault
 * still proven (writes acknowledged, none missing or doubled, the hub serving again).
 */
export const CI_SIZE = process.env.FAULTS_SIZE === 'ci';

/** A size: the environment variable `name` when set, else the full or the CI default. */
export function sized(name: string, full: number, ci: number): number {
  const value = process.env[name];
  return value !== undefined && value !== '' ? Number(value) : CI_SIZE ? ci : full;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function until(check: () => Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

export const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** A fresh directory for one fault's storage; removed by `cleanup`. */
export async function faultDir(name: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `omnihub-fault-${name}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));

export interface EngineProcess {
  socketPath: string;
  /** `mongodb://<socket>/` */
  uri: string;
  child: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** The embedded engine as its own process (`npm run db -- --socket … --data …`, journaled). */
export async function startEngine(dir: string): Promise<EngineProcess> {
  const runDir = path.join(dir, 'run');
  await mkdir(runDir, { recursive: true, mode: 0o700 });
  const socketPath = path.join(runDir, 'mongo.sock');
  await rm(socketPath, { force: true });
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'server/embedded-mongo/cli.ts',
      '--socket',
      socketPath,
      '--data',
      path.join(dir, 'db'),
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  await until(async () => (await stat(socketPath)).isSocket(), 'the engine socket');
  return {
    socketPath,
    uri: `mongodb://${encodeURIComponent(socketPath)}/`,
    child,
    async kill(signal = 'SIGTERM') {
      child.kill(signal);
      await exited(child);
    },
  };
}

export interface RedisProcess {
  url: string;
  port: number;
  /** A client of its own (FLUSHALL, inspection). */
  client(): Redis;
  /** Stops the server (SIGKILL: no save), deletes its data and starts an empty one on the same port. */
  restartEmpty(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * redis-server with a password (handed over on stdin) on a fixed loopback port, so that a restart keeps
 * the URL the hubs were given. No persistence: a restart is a Redis that lost everything.
 */
export async function startRedis(dir: string): Promise<RedisProcess> {
  const port = await findFreePort();
  const password = randomBytes(16).toString('hex');
  const dataDir = path.join(dir, 'redis');
  let child: ChildProcess;
  const start = async () => {
    await rm(dataDir, { recursive: true, force: true });
    await mkdir(dataDir, { recursive: true });
    child = spawn(
      'redis-server',
      [
        '-',
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dataDir,
      ],
      { stdio: ['pipe', 'ignore', 'inherit'] },
    );
    child.stdin?.end(`requirepass ${password}\n`);
    await until(async () => {
      const probe = new Redis({
        port,
        password,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } finally {
        probe.disconnect();
      }
    }, 'redis-server');
  };
  await start();
  const url = `redis://:${password}@127.0.0.1:${port}`;
  return {
    url,
    port,
    client: () => new Redis(url, { maxRetriesPerRequest: 1 }),
    async restartEmpty() {
      child.kill('SIGKILL');
      await exited(child);
      await start();
    },
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}

/** The Twilio inbox the faults' hubs are configured with (webhooks signed with its token). */
export const TWILIO = {
  sid: 'AC33333333333333333333333333333333',
  token: 'faults-twilio-token',
  number: '+15005550006',
};
export const PUBLIC_URL = 'http://hub.faults';

/** The environment of a hub process on the given storage. */
export function hubEnv(input: {
  dir: string;
  mongoUri: string;
  redisUrl: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    MONGODB_URI: input.mongoUri,
    MONGODB_DB: 'faults',
    REDIS_URL: input.redisUrl,
    QUEUE_PREFIX: 'faults',
    DATA_DIR: path.join(input.dir, 'data'),
    CREDENTIALS_KEY: Buffer.alloc(32, 3).toString('base64'),
    PUBLIC_URL,
    SEED_DEMO: '0',
    LOG_LEVEL: 'warn',
    LOG_PRETTY: '0',
    TWILIO_ACCOUNT_SID: TWILIO.sid,
    TWILIO_AUTH_TOKEN: TWILIO.token,
    TWILIO_PHONE_NUMBER: TWILIO.number,
    ...input.extra,
  };
}

export interface HubProcess {
  baseUrl: string;
  child: ChildProcess;
  /** Its last output lines (shown when something goes wrong). */
  output: string[];
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** A hub process (`server/main.ts`) on a free port; resolves once `/readyz` answers 200. */
export async function startHub(env: Record<string, string>, port?: number): Promise<HubProcess> {
  const listenPort = port ?? (await findFreePort());
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(listenPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString().split('\n').filter(Boolean));
    output.splice(0, Math.max(0, output.length - 60));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const baseUrl = `http://127.0.0.1:${listenPort}`;
  await until(isReady(baseUrl), 'the hub to start', 300_000).catch((error: unknown) => {
    console.error(output.join('\n'));
    child.kill('SIGKILL');
    throw error;
  });
  return {
    baseUrl,
    child,
    output,
    async kill(signal = 'SIGTERM') {
      child.kill(signal);
      await exited(child);
    },
  };
}

export const isReady = (baseUrl: string) => async () =>
  (await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(5_000) })).status === 200;

/** A signed inbound SMS webhook; answers with its status code, or `refused` / `timeout` / `reset`. */
export async function postSms(
  baseUrl: string,
  sid: string,
  index: number,
  timeoutMs = 30_000,
): Promise<string> {
  const params = {
    AccountSid: TWILIO.sid,
    MessageSid: sid,
    From: `+86137${String(index % 1000).padStart(8, '0')}`,
    To: TWILIO.number,
    Body: `fault message ${index}`,
    NumMedia: '0',
  };
  try {
    const res = await fetch(`${baseUrl}/webhooks/twilio/sms`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(
          TWILIO.token,
          `${PUBLIC_URL}/webhooks/twilio/sms`,
          params,
        ),
      },
      body: new URLSearchParams(params).toString(),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer();
    return String(res.status);
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'TimeoutError') return 'timeout';
    const code = (error as { cause?: { code?: string } }).cause?.code;
    return code === 'ECONNREFUSED' ? 'refused' : 'reset';
  }
}

export interface Ingest {
  /** Message SIDs the hub answered 200. */
  acknowledged: string[];
  /** How the webhooks were answered (status code, refused, reset, timeout) and how often. */
  answers: Map<string, number>;
  /** The slowest answer so far, in ms. */
  slowestMs: number;
  stop(): Promise<void>;
}

/**
 * Signed SMS webhooks at `rate` per second from `senders` concurrent senders, until stopped. A refused or
 * reset request is not an acknowledgement (the provider would retry it).
 */
export function startIngest(input: { baseUrl: string; rate: number; senders: number; tag: string }): Ingest {
  const ingest: Ingest = {
    acknowledged: [],
    answers: new Map(),
    slowestMs: 0,
    stop: () => Promise.resolve(),
  };
  let index = 0;
  let sending = true;
  const interval = 1000 / input.rate;
  let nextAt = Date.now();
  const workers = Array.from({ length: input.senders }, async () => {
    while (sending) {
      const wait = nextAt - Date.now();
      nextAt = Math.max(nextAt, Date.now()) + interval;
      if (wait > 0) await sleep(wait);
      const i = index++;
      const sid = `SM${input.tag}${i.toString(16).padStart(32 - input.tag.length, '0')}`;
      const started = Date.now();
      const answer = await postSms(input.baseUrl, sid, i);
      ingest.slowestMs = Math.max(ingest.slowestMs, Date.now() - started);
      ingest.answers.set(answer, (ingest.answers.get(answer) ?? 0) + 1);
      if (answer === '200') ingest.acknowledged.push(sid);
    }
  });
  ingest.stop = async () => {
    sending = false;
    await Promise.all(workers);
  };
  return ingest;
}

/** What is stored for the acknowledged webhooks: present, missing, duplicated (by MessageSid). */
export async function countStored(
  mongoUri: string,
  acknowledged: readonly string[],
): Promise<{ present: number; missing: number; duplicated: number; halfWritten: number }> {
  const client = await MongoClient.connect(mongoUri);
  try {
    const db = client.db('faults');
    const counts = await db
      .collection('messages')
      .aggregate<{ _id: string; n: number; conversations: unknown[] }>([
        { $match: { channel: 'sms', direction: 'inbound' } },
        { $group: { _id: '$externalId', n: { $sum: 1 }, conversations: { $addToSet: '$conversationId' } } },
      ])
      .toArray();
    const stored = new Map(counts.map((entry) => [entry._id, entry.n]));
    const present = acknowledged.filter((sid) => stored.has(sid)).length;
    // Half-written: a message whose conversation does not exist (ingest writes both, or neither counts).
    const conversationIds = new Set(
      (
        await db
          .collection('conversations')
          .find({}, { projection: { _id: 1 } })
          .toArray()
      ).map((c) => String(c._id)),
    );
    const halfWritten = counts.filter((entry) =>
      entry.conversations.some((id) => !conversationIds.has(String(id))),
    ).length;
    return {
      present,
      missing: acknowledged.length - present,
      duplicated: counts.filter((entry) => entry.n > 1).length,
      halfWritten,
    };
  } finally {
    await client.close();
  }
}

export const describeAnswers = (answers: Map<string, number>) =>
  [...answers].map(([answer, n]) => `${answer}×${n}`).join(' ');

export const SUPERVISOR = { email: 'supervisor@faults.test', password: 'correct horse battery staple' };

/**
 * Seeds the shared database through the services of a short-lived in-process hub (no workers, not
 * listening): a supervisor, and an SLA policy when `firstResponseMinutes` is given.
 */
export async function seed(
  env: Record<string, string>,
  sla?: { firstResponseMinutes: number },
): Promise<void> {
  const hub = await createHub({
    config: loadConfig({ ...process.env, ...env, PORT: '0', LOG_LEVEL: 'error' }),
    logger: createLogger({ level: 'error', pretty: false }),
    infra: { mongoUri: env.MONGODB_URI!, redisUrl: env.REDIS_URL! },
    role: 'web',
  });
  try {
    await hub.agents.agents.createAgent(
      {
        email: SUPERVISOR.email,
        name: 'Supervisor',
        password: SUPERVISOR.password,
        role: 'supervisor',
        teamIds: [],
      },
      null,
    );
    if (sla)
      await hub.sla.admin.createPolicy({
        name: 'Fault suite',
        order: 1,
        enabled: true,
        isDefault: true,
        conditions: {},
        calendarId: null,
        targets: { firstResponse: sla.firstResponseMinutes },
        warningThreshold: 0.8,
        escalations: [],
      });
  } finally {
    await hub.close();
  }
}

export async function login(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(SUPERVISOR),
  });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** An API call with the supervisor's token; resolves with status and JSON body. */
export async function api(
  baseUrl: string,
  token: string,
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${baseUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** The conversation ids of every conversation (small fault databases only). */
export async function conversationIds(baseUrl: string, token: string): Promise<string[]> {
  const { status, body } = await api(baseUrl, token, 'GET', '/api/conversations?limit=100');
  if (status !== 200) throw new Error(`conversations: ${status}`);
  return (body.items as { id: string }[]).map((item) => item.id);
}

export interface Watcher {
  socket: Socket;
  events: { name: string; payload: Record<string, unknown> }[];
  disconnects: number;
}

/** The supervisor's agent socket (socket.io-client over WebSocket), recording every event. */
export async function watch(baseUrl: string, token: string): Promise<Watcher> {
  const socket = io(`${baseUrl}/agent`, { auth: { token }, transports: ['websocket'], reconnection: false });
  const watcher: Watcher = { socket, events: [], disconnects: 0 };
  socket.onAny((name: string, payload: Record<string, unknown>) => watcher.events.push({ name, payload }));
  socket.on('disconnect', () => (watcher.disconnects += 1));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return watcher;
}
