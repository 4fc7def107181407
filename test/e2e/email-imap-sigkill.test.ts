/**
 * The hub as a process, killed with SIGKILL in the middle of importing an IMAP mailbox and started again on
 * the same data: every message is imported exactly once. Real parts: dovecot (started by the test), the hub
 * process with its file-backed embedded engine (journaled) and a redis-server shared by both runs (the
 * checkpoint lives there, as it does in production), the admin API to configure the inbox.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { startEmbeddedMongo } from '../../server/embedded-mongo';
import { startPrivateRedis, type PrivateRedis } from '../../server/infra/redis-server';
import { startDovecot, testMail, type RunningDovecot } from '../support/dovecot';
import { waitUntil } from '../support/dovecot-harness';
import { startHubProcess, type HubProcess } from '../support/hub-process';
import { testLogger } from '../support/test-logger';

const TOTAL = 40;
const IMPORTED_LINE = '"msg":"imap message imported"';

describe('IMAP import survives a SIGKILL of the hub mid-fetch', function () {
  this.timeout(180_000);
  let dataDir: string;
  let redis: PrivateRedis;
  let dovecot: RunningDovecot;
  const hubs: HubProcess[] = [];

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'omnihub-e2e-imap-'));
    redis = await startPrivateRedis({
      dataDir: path.join(dataDir, 'redis'),
      binary: 'redis-server',
      logger: testLogger,
    });
    dovecot = await startDovecot({ users: [{ user: 'inbound', password: 'inbound-imap-secret' }] });
    // Large enough bodies that the import takes a while: the kill lands in the middle of it.
    const filler = 'Lorem ipsum dolor sit amet, 请帮我查一下订单。 '.repeat(1500);
    for (let i = 1; i <= TOTAL; i += 1)
      await dovecot.append('inbound', testMail({ id: `kill-${i}`, text: `Message ${i}.\n${filler}` }));
  });
  after(async () => {
    for (const hub of hubs) await hub.stop('SIGKILL').catch(() => undefined);
    await dovecot?.stop();
    await redis?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('imports every message exactly once across the kill and the restart', async () => {
    const env = {
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      REDIS_URL: redis.url,
      QUEUE_PREFIX: 'imap-e2e',
      SEED_DEMO: '1',
      LOG_LEVEL: 'debug',
      SMTP_INBOUND_PORT: '0',
      IMAP_INBOX_REFRESH_MS: '300',
      IMAP_LEASE_MS: '2000',
      IMAP_RETRY_DELAY_MS: '100',
    };
    const first = await startHubProcess(env);
    hubs.push(first);
    const login = await fetch(`${first.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@demo.omnihub', password: 'demo' }),
    });
    assert.equal(login.status, 200);
    const { token } = (await login.json()) as { token: string };
    const created = await fetch(`${first.baseUrl}/api/inboxes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        name: 'Inbound mailbox',
        channel: 'email',
        address: 'inbound@example.com',
        credentials: {
          imapHost: dovecot.host,
          imapPort: String(dovecot.port),
          imapSecurity: 'none',
          imapUser: 'inbound',
          imapPassword: 'inbound-imap-secret',
        },
      }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const inboxId = ((await created.json()) as { id: string }).id;

    // Kill as soon as a few messages are in: the rest are still to be fetched.
    const imported = (hub: HubProcess) => hub.logs.filter((line) => line.includes(IMPORTED_LINE)).length;
    await waitUntil(() => imported(first) >= 3, 'the first imports', 60_000);
    await first.stop('SIGKILL');
    const beforeKill = imported(first);
    assert.ok(beforeKill < TOTAL, `killed mid-import (${beforeKill} of ${TOTAL} done)`);

    const checkpointKey = `imap-e2e:imap:checkpoint:${inboxId}:INBOX`;
    const client = new Redis(redis.url);
    try {
      const second = await startHubProcess(env);
      hubs.push(second);
      await waitUntil(
        async () => Number(await client.hget(checkpointKey, 'lastUid')) === TOTAL,
        'the checkpoint at the last UID',
        90_000,
      );
      assert.equal(await client.zcard('imap-e2e:imap:quarantine'), 0, 'nothing quarantined');
      assert.equal(await second.stop('SIGTERM'), 0);
    } finally {
      client.disconnect();
    }

    // Read what the hub stored, from its own data directory.
    const engine = await startEmbeddedMongo({
      port: 0,
      dataDir: path.join(dataDir, 'mongo'),
      durability: 'journaled',
    });
    const mongo = new MongoClient(engine.uri, { directConnection: true });
    try {
      await mongo.connect();
      const messages = await mongo
        .db('omnihub')
        .collection('messages')
        .find({ channel: 'email', externalId: { $regex: '^<kill-' } }, { projection: { externalId: 1 } })
        .toArray();
      const ids = messages.map((m) => String(m.externalId));
      assert.equal(new Set(ids).size, TOTAL, 'every message is there');
      assert.equal(ids.length, TOTAL, 'none twice');
    } finally {
      await mongo.close();
      await engine.stop();
    }
  });
});
