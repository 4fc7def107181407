/**
 * Routing correctness across processes (issue "Live routing", done-when): two hub processes share one
 * embedded-engine process and one Redis; agents connect, half to each; conversations arrive as fast as
 * possible through both processes' signed SMS webhooks (100 and 10 agents by default, 2,000 and 40 with the
 * env knobs below). Every conversation must be assigned exactly
 * once, no agent may ever exceed capacity (checked from the routing log: the load each atomic reservation
 * returned), and nothing may stay queued.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import twilio from 'twilio';
import { io, type Socket } from 'socket.io-client';
import { createHub, type Hub } from '../../server/hub';
import { findFreePort } from '../../server/infra/free-port';
import { startPrivateRedis, type PrivateRedis } from '../../server/infra/redis-server';
import { startHubProcess, repoRoot, type HubProcess } from '../support/hub-process';
import { testLogger } from '../support/test-logger';
import { testConfig, uniqueId } from '../support/test-stack';

// Sized for `npm test`: enough contention across the two processes (agents on both racing for every
// conversation) to catch a double assignment, in well under a minute. The 2,000-conversation run of the
// issue is the same test with ROUTING_E2E_CONVERSATIONS=2000 ROUTING_E2E_AGENTS=40 (see bench/README.md).
const CONVERSATIONS = Number(process.env.ROUTING_E2E_CONVERSATIONS ?? 100);
const AGENTS = Number(process.env.ROUTING_E2E_AGENTS ?? 10);
const CAPACITY = 5;
const PUBLIC_URL = 'http://hub.test';
const TWILIO = {
  sid: 'AC11111111111111111111111111111111',
  token: 'two-process-test-token',
  number: '+15005550006',
};

async function startEngineProcess(port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'server/embedded-mongo/cli.ts', '--port', String(port), '--durability', 'memory'],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const up = await fetch(`http://127.0.0.1:${port}`).then(
      () => true,
      (error: { cause?: { code?: string } }) => error.cause?.code !== 'ECONNREFUSED',
    );
    if (up) return child;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill('SIGKILL');
  throw new Error('engine process did not start');
}

async function postSignedSms(base: string, index: number): Promise<number> {
  const params = {
    AccountSid: TWILIO.sid,
    MessageSid: `SM${index.toString().padStart(32, '0')}`,
    From: `+86139${index.toString().padStart(8, '0')}`,
    To: TWILIO.number,
    Body: `Message ${index}`,
    NumMedia: '0',
  };
  const url = `${PUBLIC_URL}/webhooks/twilio/sms`;
  const res = await fetch(`${base}/webhooks/twilio/sms`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(TWILIO.token, url, params),
    },
    body: new URLSearchParams(params).toString(),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('routing across two hub processes', function () {
  this.timeout(40 * 60_000);
  let dir: string;
  let engine: ChildProcess;
  let redis: PrivateRedis;
  let admin: Hub;
  const hubs: HubProcess[] = [];
  const sockets: Socket[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'omnihub-two-'));
    const enginePort = await findFreePort();
    engine = await startEngineProcess(enginePort);
    redis = await startPrivateRedis({
      dataDir: path.join(dir, 'redis'),
      binary: 'redis-server',
      logger: testLogger,
    });
    const env = {
      MONGODB_URI: `mongodb://127.0.0.1:${enginePort}`,
      MONGODB_DB: `two_${uniqueId()}`,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: `two-${uniqueId()}`,
      PUBLIC_URL,
      SEED_DEMO: '0',
      LOG_LEVEL: 'info',
      DATA_DIR: dir,
      TWILIO_ACCOUNT_SID: TWILIO.sid,
      TWILIO_AUTH_TOKEN: TWILIO.token,
      TWILIO_PHONE_NUMBER: TWILIO.number,
      API_RATE_LIMIT_PER_MINUTE: '1000000',
      LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
      ROUTING_OFFER_TIMEOUT_SECONDS: '60',
      ROUTING_UNANSWERED_TIMEOUT_SECONDS: '3600',
    };
    // An in-process hub without workers, only to create the team and agents through the services.
    admin = await createHub({
      config: testConfig({ ...env, PORT: '0' }),
      logger: testLogger,
      infra: { mongoUri: env.MONGODB_URI, redisUrl: env.REDIS_URL },
      runWorkers: false,
    });
    hubs.push(await startHubProcess(env, 120_000), await startHubProcess(env, 120_000));
  });

  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    for (const hub of hubs) {
      const problems = hub.logs.filter((line) => /"level":(40|50|60)/.test(line) || !line.startsWith('{'));
      process.stderr.write(
        `--- hub ${hub.baseUrl} warnings and errors ---\n${problems.slice(-30).join('\n')}\n`,
      );
    }
  });

  after(async () => {
    sockets.forEach((socket) => socket.close());
    for (const hub of hubs) await hub.stop('SIGTERM');
    await admin?.close();
    await redis?.stop();
    engine?.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  it('assigns every conversation exactly once, never over capacity, leaving nothing queued', async () => {
    const team = await admin.agents.agents.createTeam({ name: 'Everyone' }, null);
    const password = 'correct horse battery';
    const agentIds: string[] = [];
    for (let i = 0; i < AGENTS; i++) {
      const agent = await admin.agents.agents.createAgent(
        {
          email: `agent${i}@two.test`,
          name: `Agent ${i}`,
          password,
          teamIds: [team.id],
          capacity: { messaging: CAPACITY },
        },
        null,
      );
      agentIds.push(agent.id);
    }

    // Every agent is in the team room and hears every assignment: count distinct events per conversation.
    const assignedSeen = new Map<string, Set<string>>();
    let resolved = 0;
    await Promise.all(
      agentIds.map(async (_agentId, i) => {
        const base = hubs[i % 2]!.baseUrl;
        const login = await fetch(`${base}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: `agent${i}@two.test`, password }),
        });
        const { token } = (await login.json()) as { token: string };
        const socket = io(`${base}/agent`, {
          auth: { token },
          transports: ['websocket'],
          reconnection: false,
        });
        sockets.push(socket);
        socket.on(
          'conversation:assigned',
          (payload: { eventId: string; conversation: { id: string }; assigneeId: string | null }) => {
            if (!payload.assigneeId) return;
            const ids = assignedSeen.get(payload.conversation.id) ?? new Set<string>();
            ids.add(payload.eventId);
            assignedSeen.set(payload.conversation.id, ids);
          },
        );
        socket.on('offer:new', (offer: { offerId: string; conversation: { id: string } }) => {
          void (async () => {
            const ack = (await socket
              .timeout(60_000)
              .emitWithAck('offer:accept', { offerId: offer.offerId })) as { ok: boolean };
            if (!ack.ok) return;
            // Work it, then free the slot.
            const res = await fetch(`${base}/api/conversations/${offer.conversation.id}/status`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
              body: JSON.stringify({ status: 'resolved' }),
            });
            await res.arrayBuffer();
            if (res.ok) resolved++;
          })();
        });
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
        });
        const ack = (await socket.timeout(60_000).emitWithAck('presence:set', { status: 'online' })) as {
          ok: boolean;
        };
        assert.equal(ack.ok, true);
      }),
    );

    // Inject as fast as possible through both processes (50 in flight).
    let next = 0;
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < CONVERSATIONS) {
          const index = next++;
          statuses.push(await postSignedSms(hubs[index % 2]!.baseUrl, index));
        }
      }),
    );
    assert.equal(statuses.filter((s) => s === 200).length, CONVERSATIONS, 'every webhook accepted');

    const Conversation = admin.conversations.models.Conversation;
    const deadline = Date.now() + 35 * 60_000;
    const started = Date.now();
    let lastReport = started;
    while (Date.now() < deadline && resolved < CONVERSATIONS) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      if (Date.now() - lastReport > 30_000) {
        lastReport = Date.now();
        process.stderr.write(
          `      … ${resolved}/${CONVERSATIONS} worked after ${Math.round((lastReport - started) / 1000)} s\n`,
        );
      }
    }
    assert.equal(await Conversation.countDocuments({}), CONVERSATIONS);
    assert.equal(resolved, CONVERSATIONS, 'every conversation was offered, accepted and worked');

    const log = admin.routing.models.RoutingLog;
    const assignments = await log.aggregate<{ _id: string; n: number }>([
      { $match: { kind: 'assigned' } },
      { $group: { _id: '$conversationId', n: { $sum: 1 } } },
    ]);
    assert.equal(assignments.length, CONVERSATIONS);
    assert.ok(
      assignments.every((a) => a.n === 1),
      'no conversation assigned twice',
    );
    const overCapacity = await log.countDocuments({
      kind: 'reserved',
      loadAfter: mongoose.trusted({ $gt: CAPACITY }),
    });
    assert.equal(overCapacity, 0, 'no reservation ever took an agent over capacity');
    assert.ok(
      [...assignedSeen.values()].every((ids) => ids.size === 1),
      'one assignment event per conversation',
    );
    assert.equal(assignedSeen.size, CONVERSATIONS);
    assert.equal(await Conversation.countDocuments({ 'routing.state': 'queued' }), 0);
    assert.equal(await admin.routing.models.Offer.countDocuments({ status: 'pending' }), 0);
    const loads = await admin.routing.models.Presence.find({}).lean();
    assert.ok(
      loads.every((p) => p.load.messaging === 0),
      'every slot was given back',
    );
  });
});
