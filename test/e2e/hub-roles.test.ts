/**
 * Process roles (issue 17): two `HUB_ROLE=web` processes and one `HUB_ROLE=worker` process on one machine,
 * sharing one engine process (`npm run db -- --socket …`, the owner-only Unix socket) and one Redis. The
 * whole-hub flows run across them: an SMS in through one web process, the offer (made by the worker's
 * routing) accepted on the other, the SLA breach (fired by the worker's timers) reaching sockets on both web
 * processes, the reply sent by the worker and delivered by a status callback. The worker answers health and
 * metrics only.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { createHub, type Hub } from '../../server/hub';
import { startPrivateRedis, type PrivateRedis } from '../../server/infra/redis-server';
import { startHubProcess, repoRoot, type HubProcess } from '../support/hub-process';
import { testLogger } from '../support/test-logger';
import { testConfig, uniqueId } from '../support/test-stack';
import {
  startTwilioStub,
  STUB_ACCOUNT_SID,
  STUB_AUTH_TOKEN,
  type RunningTwilioStub,
} from '../support/twilio-stub';

const PUBLIC_URL = 'http://hub.test';
const CUSTOMER = '+8613711112222';

async function until<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 60_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve()
      .then(check)
      .catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** `npm run db` on a Unix socket, as the docs deploy it for several hubs on one machine. */
async function startEngineProcess(socketPath: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'server/embedded-mongo/cli.ts', '--socket', socketPath, '--durability', 'memory'],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await until(async () => (await stat(socketPath)).isSocket(), 'the engine socket');
  return child;
}

interface Watcher {
  socket: Socket;
  events: { name: string; payload: Record<string, unknown> }[];
}

async function connectWatcher(baseUrl: string, email: string, password: string): Promise<Watcher> {
  const login = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  assert.equal(login.status, 200, `login ${email}`);
  const { token } = (await login.json()) as { token: string };
  const socket = io(`${baseUrl}/agent`, { auth: { token }, transports: ['websocket'], reconnection: false });
  const events: Watcher['events'] = [];
  socket.onAny((name: string, payload: Record<string, unknown>) => events.push({ name, payload }));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return { socket, events };
}

describe('process roles: two web processes and one worker on one machine', function () {
  this.timeout(10 * 60_000);
  let dir: string;
  let engine: ChildProcess | undefined;
  let redis: PrivateRedis | undefined;
  let stub: RunningTwilioStub | undefined;
  let admin: Hub | undefined;
  const processes: HubProcess[] = [];
  const sockets: Socket[] = [];
  let env: Record<string, string>;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'omnihub-roles-'));
    const socketPath = path.join(dir, 'run', 'mongo.sock');
    engine = await startEngineProcess(socketPath);
    redis = await startPrivateRedis({
      dataDir: path.join(dir, 'redis'),
      binary: 'redis-server',
      logger: testLogger,
    });
    stub = await startTwilioStub({ publicUrl: PUBLIC_URL, statusDelayMs: 20 });
    env = {
      MONGODB_URI: `mongodb://${encodeURIComponent(socketPath)}/`,
      MONGODB_DB: `roles_${uniqueId()}`,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: `roles-${uniqueId()}`,
      PUBLIC_URL,
      SEED_DEMO: '0',
      DATA_DIR: path.join(dir, 'data'),
      CREDENTIALS_KEY: Buffer.alloc(32, 7).toString('base64'),
      TWILIO_ACCOUNT_SID: STUB_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: STUB_AUTH_TOKEN,
      TWILIO_PHONE_NUMBER: stub.stub.phoneNumber,
      TWILIO_API_BASE: stub.url,
      SLA_SWEEP_INTERVAL_MS: '2000',
      ROUTING_OFFER_TIMEOUT_SECONDS: '120',
    };
    // Team, agents and an SLA policy with a 3-second first response, made through the services.
    admin = await createHub({
      config: testConfig({ ...env, PORT: '0' }),
      logger: testLogger,
      infra: { mongoUri: env.MONGODB_URI!, redisUrl: env.REDIS_URL! },
      role: 'web',
    });
    const team = await admin.agents.agents.createTeam({ name: 'Front line' }, null);
    const password = 'correct horse battery';
    await admin.agents.agents.createAgent(
      { email: 'agent@roles.test', name: 'Agent', password, role: 'agent', teamIds: [team.id] },
      null,
    );
    for (const name of ['sup1', 'sup2'])
      await admin.agents.agents.createAgent(
        { email: `${name}@roles.test`, name, password, role: 'supervisor', teamIds: [] },
        null,
      );
    await admin.sla.admin.createPolicy({
      name: 'Three seconds',
      order: 1,
      enabled: true,
      isDefault: true,
      conditions: {},
      calendarId: null,
      targets: { firstResponse: 0.05 },
      warningThreshold: 0.8,
      escalations: [],
    });
    processes.push(
      await startHubProcess({ ...env, HUB_ROLE: 'web' }, 120_000),
      await startHubProcess({ ...env, HUB_ROLE: 'web' }, 120_000),
      await startHubProcess({ ...env, HUB_ROLE: 'worker' }, 120_000),
    );
  });

  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    for (const hub of processes) {
      const problems = hub.logs.filter((line) => /"level":(40|50|60)/.test(line) || !line.startsWith('{'));
      process.stderr.write(`--- ${hub.baseUrl} warnings and errors ---\n${problems.slice(-20).join('\n')}\n`);
    }
  });

  after(async () => {
    sockets.forEach((socket) => socket.close());
    for (const hub of processes) await hub.stop('SIGTERM');
    await admin?.close();
    await stub?.close();
    await redis?.stop();
    engine?.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  it('serves only health and metrics from the worker', async () => {
    const worker = processes[2]!.baseUrl;
    assert.equal((await fetch(`${worker}/healthz`)).status, 200);
    assert.equal((await fetch(`${worker}/readyz`)).status, 200);
    assert.equal((await fetch(`${worker}/metrics`)).status, 200);
    assert.equal((await fetch(`${worker}/api/auth/login`, { method: 'POST' })).status, 404);
    assert.equal((await fetch(`${worker}/webhooks/twilio/sms`, { method: 'POST' })).status, 404);
  });

  it('runs SMS in → offer → accept → SLA breach on both web processes → reply → delivered', async () => {
    const [web1, web2] = [processes[0]!.baseUrl, processes[1]!.baseUrl];
    const password = 'correct horse battery';
    const agent = await connectWatcher(web1, 'agent@roles.test', password);
    const supervisor1 = await connectWatcher(web1, 'sup1@roles.test', password);
    const supervisor2 = await connectWatcher(web2, 'sup2@roles.test', password);
    sockets.push(agent.socket, supervisor1.socket, supervisor2.socket);
    const online = (await agent.socket.timeout(30_000).emitWithAck('presence:set', { status: 'online' })) as {
      ok: boolean;
    };
    assert.equal(online.ok, true);

    stub!.stub.setDeliverTo(web2);
    const inbound = await stub!.stub.sendInboundMessage({ from: CUSTOMER, body: '发票开错了，请重开' });
    assert.equal(inbound.status, 200, 'the SMS webhook on web process 2');

    const offer = await until(
      () => agent.events.find((event) => event.name === 'offer:new')?.payload,
      'the offer on web process 1',
    );
    const conversationId = (offer.conversation as { id: string }).id;
    const accepted = (await agent.socket
      .timeout(30_000)
      .emitWithAck('offer:accept', { offerId: offer.offerId as string })) as { ok: boolean };
    assert.equal(accepted.ok, true);

    const breachOn = (watcher: Watcher) =>
      until(
        () =>
          watcher.events.find(
            (event) => event.name === 'sla:breached' && event.payload.conversationId === conversationId,
          ),
        'sla:breached',
      );
    await breachOn(supervisor1);
    await breachOn(supervisor2);

    const login = await fetch(`${web1}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'agent@roles.test', password }),
    });
    const { token } = (await login.json()) as { token: string };
    const reply = await fetch(`${web1}/api/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ text: '已为您重开发票。' }),
    });
    assert.equal(reply.status, 201);
    const { id: messageId } = (await reply.json()) as { id: string };
    await until(
      () =>
        agent.events.find(
          (event) =>
            event.name === 'message:status' &&
            event.payload.messageId === messageId &&
            event.payload.status === 'delivered',
        ),
      'the reply delivered',
    );
    assert.equal(stub!.stub.messages.filter((m) => m.body === '已为您重开发票。').length, 1);
  });
});
