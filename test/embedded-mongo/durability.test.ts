import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MongoClient, MongoServerError } from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongoOptions } from '../../server/embedded-mongo';
import { openDurableStore } from '../../server/embedded-mongo/storage';
import type { Loose } from './engine-fixture';

async function withEngine<T>(
  opts: EmbeddedMongoOptions,
  fn: (client: MongoClient) => Promise<T>,
): Promise<T> {
  const engine = await startEmbeddedMongo({ port: 0, ...opts });
  const client = await MongoClient.connect(engine.uri);
  try {
    return await fn(client);
  } finally {
    await client.close();
    await engine.stop();
  }
}

describe('embedded-mongo: durability through restarts', () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'omnihub-engine-'));
    dirs.push(dir);
    return dir;
  };
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('keeps documents, indexes and catalog changes across a restart (journaled)', async () => {
    const dataDir = await tempDir();
    await withEngine({ dataDir }, async (client) => {
      const db = client.db('app');
      const msgs = db.collection<Loose>('messages');
      await msgs.createIndex({ channel: 1, externalId: 1 }, { unique: true });
      await msgs.createIndex({ scratch: 1 });
      await msgs.insertMany(
        Array.from({ length: 200 }, (_, i) => ({ _id: i, channel: 'sms', externalId: `e${i}`, n: 0 })),
      );
      await msgs.updateMany({ _id: { $lt: 10 } }, { $inc: { n: 1 }, $currentDate: { at: true } });
      await msgs.deleteMany({ _id: { $gte: 190 } });
      await msgs.dropIndex('scratch_1');
      await db.collection<Loose>('tmp').insertOne({ a: 1 });
      await db.collection<Loose>('tmp').rename('kept');
      await db.collection<Loose>('gone').insertOne({ a: 1 });
      await db.collection<Loose>('gone').drop();
      await client.db('dropme').collection<Loose>('x').insertOne({ a: 1 });
      await client.db('dropme').dropDatabase();
      await db.createCollection('validated', { validator: { age: { $gte: 0 } } });
    });
    await withEngine({ dataDir }, async (client) => {
      const db = client.db('app');
      const msgs = db.collection<Loose>('messages');
      assert.equal(await msgs.countDocuments(), 190);
      assert.equal(await msgs.countDocuments({ n: 1, at: { $type: 'date' } }), 10);
      assert.deepEqual(
        (await msgs.listIndexes().toArray()).map((i) => i.name),
        ['_id_', 'channel_1_externalId_1'],
      );
      await assert.rejects(
        msgs.insertOne({ channel: 'sms', externalId: 'e5' }),
        (e: MongoServerError) => e.code === 11000,
      );
      const names = (await db.listCollections().toArray()).map((c) => c.name).sort();
      assert.deepEqual(names, ['kept', 'messages', 'validated']);
      const dbs = (await client.db('admin').admin().listDatabases({ nameOnly: true })).databases.map(
        (d) => d.name,
      );
      assert.ok(!dbs.includes('dropme'));
      await assert.rejects(
        db.collection<Loose>('validated').insertOne({ age: -1 }),
        (e: MongoServerError) => e.code === 121,
      );
    });
  });

  it('refuses a second engine on a data directory that is in use', async () => {
    const dataDir = await tempDir();
    const first = await startEmbeddedMongo({ port: 0, dataDir });
    try {
      await assert.rejects(startEmbeddedMongo({ port: 0, dataDir }));
    } finally {
      await first.stop();
    }
  });

  it('compacts the journal into a snapshot and recovers from it (relaxed mode too)', async () => {
    const dataDir = await tempDir();
    for (const durability of ['journaled', 'relaxed'] as const) {
      await withEngine({ dataDir, durability, compactThresholdBytes: 16 * 1024 }, async (client) => {
        const c = client.db('app').collection<Loose>(`c_${durability}`);
        await c.createIndex({ k: 1 }, { unique: true });
        for (let i = 0; i < 300; i++) await c.insertOne({ k: i, pad: 'p'.repeat(200) });
        await c.updateOne({ k: 5 }, { $set: { touched: true } });
      });
    }
    assert.ok(
      (await readdir(dataDir)).some((f) => f.startsWith('snapshot')),
      'a snapshot was written',
    );
    await withEngine({ dataDir }, async (client) => {
      for (const durability of ['journaled', 'relaxed']) {
        const c = client.db('app').collection<Loose>(`c_${durability}`);
        assert.equal(await c.countDocuments(), 300);
        assert.equal((await c.findOne({ k: 5 }))?.touched, true);
        await assert.rejects(c.insertOne({ k: 7 }), (e: MongoServerError) => e.code === 11000);
      }
    });
  });

  it('touches no disk in memory mode and needs a data directory otherwise', async () => {
    await assert.rejects(startEmbeddedMongo({ port: 0 }), /needs a dataDir/);
    await withEngine({ durability: 'memory' }, async (client) => {
      await client.db('m').collection<Loose>('c').insertOne({ a: 1 });
      assert.equal(await client.db('m').collection<Loose>('c').countDocuments(), 1);
    });
  });

  it('refuses to start when recovered data violates a unique index', async () => {
    const dataDir = await tempDir();
    // Forge a journal (in the engine's documented record format) holding two documents with one unique key.
    const store = await openDurableStore({ dir: dataDir, mode: 'journaled' });
    for await (const _ of store.recover()) break;
    await store.append({
      v: 1,
      ops: [
        { op: 'createCollection', ns: 'app.people', options: {} },
        {
          op: 'createIndexes',
          ns: 'app.people',
          specs: [{ v: 2, key: { email: 1 }, name: 'email_1', unique: true }],
        },
        {
          op: 'put',
          ns: 'app.people',
          docs: [
            { _id: 1, email: 'x' },
            { _id: 2, email: 'x' },
          ],
        },
      ],
    });
    await store.close();
    await assert.rejects(startEmbeddedMongo({ port: 0, dataDir }), /corrupt.*app\.people.*E11000/s);
    // The lock was released: a later start can still take it (and fail the same way).
    await assert.rejects(startEmbeddedMongo({ port: 0, dataDir }), /corrupt/);
  });
});
