/**
 * Issue 17, defect 1: the hub's own engine and redis-server must not be open to every local process. The
 * engine listens on an owner-only Unix socket; the private redis-server requires a password generated at
 * each start. Both still serve the hub's unmodified drivers (mongoose / mongodb, ioredis, bull).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { connectMongoose, resolveMongoTarget, type MongoTarget } from '../../server/infra/mongo';
import { startPrivateRedis, type PrivateRedis } from '../../server/infra/redis-server';
import { testLogger } from '../support/test-logger';

describe('private storage access (issue 17)', function () {
  this.timeout(60_000);
  let dataDir: string;
  const stops: (() => Promise<void>)[] = [];
  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'omnihub-private-'));
  });
  after(async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs the embedded engine on an owner-only Unix socket that the driver and mongoose use', async () => {
    const mongo: MongoTarget = await resolveMongoTarget({
      uri: undefined,
      dataDir,
      durability: 'memory',
      logger: testLogger,
    });
    stops.push(() => mongo.stop());
    const socketPath = path.join(dataDir, 'run', 'mongo.sock');
    assert.equal(mongo.uri, `mongodb://${encodeURIComponent(socketPath)}/`, 'no TCP host:port in the URI');
    const socketStat = await stat(socketPath);
    assert.ok(socketStat.isSocket());
    assert.equal(socketStat.mode & 0o077, 0, 'no access for group or others on the socket');
    assert.equal((await stat(path.dirname(socketPath))).mode & 0o777, 0o700, 'its directory is 0700');

    const client = await MongoClient.connect(mongo.uri, { serverSelectionTimeoutMS: 10_000 });
    try {
      await client.db('probe').collection('things').insertOne({ name: 'kettle' });
      assert.equal((await client.db('probe').collection('things').findOne({}))?.name, 'kettle');
    } finally {
      await client.close();
    }
    const connection = await connectMongoose({ uri: mongo.uri, dbName: 'probe' });
    try {
      assert.equal(await connection.db?.collection('things').countDocuments({}), 1);
    } finally {
      await connection.close();
    }
  });

  it('refuses redis commands without the password generated at start, and serves the hub’s URL', async () => {
    const redis: PrivateRedis = await startPrivateRedis({
      dataDir: path.join(dataDir, 'redis'),
      binary: 'redis-server',
      logger: testLogger,
    });
    stops.push(() => redis.stop());
    // A local process that knows only the port: a raw RESP command is refused.
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: redis.port }, () => socket.write('GET anything\r\n'));
      socket.once('data', (data) => {
        resolve(data.toString());
        socket.destroy();
      });
      socket.once('error', reject);
    });
    assert.match(answer, /^-NOAUTH/);
    const hub = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      assert.equal(await hub.set('probe', 'ok'), 'OK');
      assert.equal(await hub.get('probe'), 'ok');
    } finally {
      hub.disconnect();
    }
  });
});
