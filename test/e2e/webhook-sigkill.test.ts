/**
 * The hub as a process, killed with SIGKILL the moment an agent's reply is stored (its API answer is the
 * signal), then started again on the same data: the `message.created` webhook for that reply reaches the
 * receiver exactly once, signed. The killed process serves the API only (`HUB_ROLE=web`, as in a
 * deployment with separate workers), so it cannot have delivered the event itself before it died: what
 * reaches the receiver was carried across the crash (the outbox row, the queued job, or the recovery sweep
 * over stored messages, whichever the kill left). Real parts: two hub processes (`server/main.ts`), the
 * embedded engine journaled on disk and a redis-server shared by both (the bull queue lives there), a real
 * HTTP receiver on loopback.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { MongoClient, ObjectId } from 'mongodb';
import { startEmbeddedMongo } from '../../server/embedded-mongo';
import { startPrivateRedis, type PrivateRedis } from '../../server/infra/redis-server';
import { verifyWebhookSignature } from '../../server/modules/integrations';
import { waitUntil } from '../support/dovecot-harness';
import { startHubProcess, type HubProcess } from '../support/hub-process';
import { testLogger } from '../support/test-logger';

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  id: string;
}

describe('an outgoing webhook survives a SIGKILL of the hub right after the reply is stored', function () {
  this.timeout(180_000);
  let dataDir: string;
  let redis: PrivateRedis;
  let engine: Awaited<ReturnType<typeof startEmbeddedMongo>>;
  let receiver: Server;
  const deliveries: Delivery[] = [];
  const hubs: HubProcess[] = [];

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'omnihub-e2e-webhook-'));
    redis = await startPrivateRedis({
      dataDir: path.join(dataDir, 'redis'),
      binary: 'redis-server',
      logger: testLogger,
    });
    // The database runs on its own (as `npm run db` does): a web-role hub needs shared storage.
    engine = await startEmbeddedMongo({
      port: 0,
      dataDir: path.join(dataDir, 'mongo'),
      durability: 'journaled',
    });
    receiver = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        deliveries.push({ headers: req.headers, body, id: (JSON.parse(body) as { id: string }).id });
        res.writeHead(200).end('ok');
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
  });
  after(async () => {
    for (const hub of hubs) await hub.stop('SIGKILL').catch(() => undefined);
    receiver?.close();
    await engine?.stop();
    await redis?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('delivers message.created for the reply once, after the restart', async () => {
    const port = (receiver.address() as AddressInfo).port;
    const env = {
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      REDIS_URL: redis.url,
      MONGODB_URI: engine.uri,
      QUEUE_PREFIX: 'webhook-e2e',
      SEED_DEMO: '1',
      SMTP_INBOUND_PORT: '0',
      OUTGOING_WEBHOOK_ALLOWLIST: `127.0.0.1:${port}`,
      OUTGOING_WEBHOOK_RETRY_BASE_MS: '200',
    };
    const first = await startHubProcess({ ...env, HUB_ROLE: 'web' });
    hubs.push(first);
    const api = async (method: string, url: string, token: string | null, body?: unknown) => {
      const response = await fetch(`${first.baseUrl}${url}`, {
        method,
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const login = await api('POST', '/api/auth/login', null, {
      email: 'admin@demo.omnihub',
      password: 'demo',
    });
    assert.equal(login.status, 200);
    const token = String(login.body.token);
    const subscription = await api('POST', '/api/webhooks', token, {
      url: `http://127.0.0.1:${port}/hooks`,
      events: ['message.created'],
    });
    assert.equal(subscription.status, 201, JSON.stringify(subscription.body));
    const secret = String(subscription.body.secret);

    // A seeded conversation that takes a reply (its channel's reply window is open).
    const list = await api('GET', '/api/conversations?limit=50', token);
    const candidates = (list.body.items as { id: string }[]).map((item) => item.id);
    let replyId: string | null = null;
    for (const id of candidates) {
      const reply = await api('POST', `/api/conversations/${id}/messages`, token, {
        text: 'Your refund is on its way.',
      });
      if (reply.status === 201) {
        replyId = String(reply.body.id);
        // Killed the moment the reply is stored: its answer has just arrived.
        await first.stop('SIGKILL');
        break;
      }
    }
    assert.ok(replyId, 'a seeded conversation took the reply');
    const key = `message.created:${replyId}`;
    const forReply = () => deliveries.filter((delivery) => delivery.id === key);
    assert.equal(forReply().length, 0, 'the killed process delivered nothing for the reply');
    const mongo = new MongoClient(engine.uri, { directConnection: true });
    try {
      await mongo.connect();
      const stored = await mongo
        .db('omnihub')
        .collection('messages')
        .findOne({ _id: new ObjectId(replyId) });
      assert.equal(stored?.text, 'Your refund is on its way.', 'the reply was stored before the kill');
    } finally {
      await mongo.close();
    }

    const second = await startHubProcess(env);
    hubs.push(second);
    const [delivery] = await waitUntil(
      () => (forReply().length > 0 ? forReply() : undefined),
      'the delivery after the restart',
      60_000,
    );
    assert.ok(
      verifyWebhookSignature({
        secret,
        header: delivery!.headers['omnihub-signature'] as string,
        body: delivery!.body,
        nowSeconds: Math.floor(Date.now() / 1000),
      }),
      'signed with the subscription secret',
    );
    const event = JSON.parse(delivery!.body) as { type: string; data: { messageId: string; text?: string } };
    assert.equal(event.type, 'message.created');
    assert.equal(event.data.messageId, replyId);
    // Nothing more comes for it: the recovery sweep ran at start, and a second sweep finds it recorded.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.equal(forReply().length, 1, 'delivered exactly once');
    assert.equal(await second.stop('SIGTERM'), 0);
  });
});
