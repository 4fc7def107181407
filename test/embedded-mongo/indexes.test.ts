import assert from 'node:assert/strict';
import { MongoClient, MongoServerError, type Db } from 'mongodb';
import { startFixture, type EngineFixture, type Loose } from './engine-fixture';

function winningStage(explain: Loose): { stage: string; indexName?: string } {
  const plan = explain.queryPlanner.winningPlan;
  return plan.inputStage ?? plan;
}

describe('embedded-mongo: indexes', () => {
  let fx: EngineFixture;
  let db: Db;
  before(async () => {
    fx = await startFixture({ ttlMonitorIntervalMs: 100 });
  });
  after(async () => {
    await fx.close();
  });
  beforeEach(() => {
    db = fx.freshDb();
  });

  it('creates, lists and drops indexes with mongod reply shapes', async () => {
    const c = db.collection<Loose>('ix');
    const name = await c.createIndex({ a: 1, b: -1 }, { unique: true });
    assert.equal(name, 'a_1_b_-1');
    const again = await db.command({
      createIndexes: 'ix',
      indexes: [{ key: { a: 1, b: -1 }, name: 'a_1_b_-1', unique: true }],
    });
    assert.equal(again.numIndexesBefore, 2);
    assert.equal(again.numIndexesAfter, 2);
    assert.equal(again.note, 'all indexes already exist');
    const list = await c.listIndexes().toArray();
    assert.deepEqual(list, [
      { v: 2, key: { _id: 1 }, name: '_id_' },
      { v: 2, key: { a: 1, b: -1 }, name: 'a_1_b_-1', unique: true },
    ]);
    await c.dropIndex('a_1_b_-1');
    assert.equal((await c.listIndexes().toArray()).length, 1);
    await assert.rejects(c.dropIndex('nope'), (e: MongoServerError) => e.code === 27);
    await assert.rejects(c.dropIndex('_id_'), (e: MongoServerError) => e.code === 72);
  });

  it('answers index conflicts with 85 and 86, and a missing collection with 26', async () => {
    const c = db.collection<Loose>('conf');
    await c.createIndex({ a: 1 }, { name: 'first' });
    await assert.rejects(c.createIndex({ b: 1 }, { name: 'first' }), (e: MongoServerError) => e.code === 86);
    await assert.rejects(c.createIndex({ a: 1 }, { name: 'second' }), (e: MongoServerError) => e.code === 85);
    await assert.rejects(
      c.createIndex({ a: 1 }, { name: 'first', unique: true }),
      (e: MongoServerError) => e.code === 85,
    );
    await assert.rejects(
      db.command({ listIndexes: 'nothing_here' }),
      (e: MongoServerError) => e.code === 26 && e.codeName === 'NamespaceNotFound',
    );
  });

  it('refuses a unique index over existing duplicates and leaves no index behind', async () => {
    const c = db.collection<Loose>('predup');
    await c.insertMany([{ k: 1 }, { k: 1 }]);
    await assert.rejects(
      c.createIndex({ k: 1 }, { unique: true }),
      (e: MongoServerError) => e.code === 11000,
    );
    assert.deepEqual(
      (await c.listIndexes().toArray()).map((i) => i.name),
      ['_id_'],
    );
  });

  it('enforces compound unique keys, numeric equality across types, and missing fields as null', async () => {
    const c = db.collection<Loose>('cu');
    await c.createIndex({ conversationId: 1, seq: 1 }, { unique: true });
    await c.insertOne({ conversationId: 'c1', seq: 1 });
    await c.insertOne({ conversationId: 'c1', seq: 2 });
    await c.insertOne({ conversationId: 'c2', seq: 1 });
    // 1.0 (double) equals 1 (int32) as a key.
    await assert.rejects(
      c.insertOne({ conversationId: 'c1', seq: 1.0 }),
      (e: MongoServerError) => e.code === 11000,
    );
    await c.insertOne({ conversationId: 'c3' });
    await assert.rejects(c.insertOne({ conversationId: 'c3', seq: null }), (e: MongoServerError) => {
      assert.deepEqual(e.keyValue, { conversationId: 'c3', seq: null });
      return e.code === 11000;
    });
  });

  it('sparse unique indexes skip documents without the field; partial ones skip non-matching documents', async () => {
    const s = db.collection<Loose>('sparse');
    await s.createIndex({ handle: 1 }, { unique: true, sparse: true });
    await s.insertMany([{ x: 1 }, { x: 2 }, { handle: 'h' }]);
    await assert.rejects(s.insertOne({ handle: 'h' }), (e: MongoServerError) => e.code === 11000);
    const p = db.collection<Loose>('partial');
    await p.createIndex({ email: 1 }, { unique: true, partialFilterExpression: { active: true } });
    await p.insertMany([
      { email: 'a', active: false },
      { email: 'a', active: false },
      { email: 'a', active: true },
    ]);
    await assert.rejects(
      p.insertOne({ email: 'a', active: true }),
      (e: MongoServerError) => e.code === 11000,
    );
    // Deactivating frees the key.
    await p.updateOne({ active: true }, { $set: { active: false } });
    await p.insertOne({ email: 'a', active: true });
    assert.equal(await p.countDocuments({ email: 'a' }), 4);
  });

  it('enforces a case-insensitive unique index declared with a collation', async () => {
    const c = db.collection<Loose>('coll');
    await c.createIndex({ name: 1 }, { unique: true, collation: { locale: 'en', strength: 2 } });
    await c.insertOne({ name: 'Alice' });
    await assert.rejects(c.insertOne({ name: 'ALICE' }), (e: MongoServerError) => e.code === 11000);
    await c.insertOne({ name: 'Bob' });
    const spec = (await c.listIndexes().toArray()).find((i) => i.name === 'name_1');
    assert.equal(spec?.collation?.strength, 2);
  });

  it('lets exactly one of many concurrent clients insert the same unique key', async () => {
    const c = db.collection<Loose>('race');
    await c.createIndex({ channel: 1, externalId: 1 }, { unique: true });
    const clients = await Promise.all(Array.from({ length: 5 }, () => MongoClient.connect(fx.engine.uri)));
    try {
      const attempts = clients.flatMap((cl, i) =>
        Array.from({ length: 10 }, (_, j) =>
          cl
            .db(db.databaseName)
            .collection<Loose>('race')
            .insertOne({ channel: 'sms', externalId: 'SM123', by: `${i}-${j}` }),
        ),
      );
      const results = await Promise.allSettled(attempts);
      const ok = results.filter((r) => r.status === 'fulfilled');
      const dup = results.filter(
        (r) => r.status === 'rejected' && (r.reason as MongoServerError).code === 11000,
      );
      assert.equal(ok.length, 1);
      assert.equal(dup.length, 49);
      assert.equal(await c.countDocuments(), 1);
      // Upserts racing on the same key create one document too.
      await Promise.all(
        clients.map((cl, i) =>
          cl
            .db(db.databaseName)
            .collection<Loose>('race')
            .updateOne({ channel: 'wa', externalId: 'W1' }, { $setOnInsert: { by: i } }, { upsert: true }),
        ),
      );
      assert.equal(await c.countDocuments({ channel: 'wa' }), 1);
    } finally {
      await Promise.all(clients.map((cl) => cl.close()));
    }
  });

  it('uses an index for equality, $in and ranges (explain shows IXSCAN and few documents examined)', async () => {
    const c = db.collection<Loose>('plan');
    await c.createIndex({ status: 1, updatedAt: -1 });
    await c.createIndex({ n: 1 });
    const base = Date.UTC(2024, 0, 1);
    await c.insertMany(
      Array.from({ length: 2000 }, (_, i) => ({
        n: i,
        status: ['open', 'pending', 'closed', 'new'][i % 4],
        updatedAt: new Date(base + i * 1000),
      })),
    );
    const eq = await c.find({ n: 1234 }).explain('executionStats');
    assert.deepEqual(winningStage(eq), { stage: 'IXSCAN', indexName: 'n_1' });
    assert.equal(eq.executionStats.totalDocsExamined, 1);
    const range = await c.find({ n: { $gte: 100, $lt: 110 } }).explain('executionStats');
    assert.equal(range.executionStats.nReturned, 10);
    assert.equal(range.executionStats.totalDocsExamined, 10);
    const inList = await c.find({ n: { $in: [5, 7, 9999] } }).toArray();
    assert.deepEqual(
      inList.map((d) => d.n).sort((a, b) => a - b),
      [5, 7],
    );
    // Prefix equality + sort on the next key: read in index order and stop at the limit.
    const page = await c.find({ status: 'open' }).sort({ updatedAt: -1 }).limit(5).explain('executionStats');
    assert.equal(winningStage(page).indexName, 'status_1_updatedAt_-1');
    assert.equal(page.executionStats.totalDocsExamined, 5);
    const docs = await c.find({ status: 'open' }).sort({ updatedAt: -1 }).limit(3).toArray();
    assert.deepEqual(
      docs.map((d) => d.n),
      [1996, 1992, 1988],
    );
    const asc = await c
      .find({ status: 'open', updatedAt: { $gt: new Date(base + 1990 * 1000) } })
      .sort({ updatedAt: 1 })
      .toArray();
    assert.deepEqual(
      asc.map((d) => d.n),
      [1992, 1996],
    );
    // Range results equal a full scan's.
    const viaIndex = await c.find({ n: { $gt: 1500, $lte: 1600 } }).toArray();
    const viaScan = await c
      .find({ $expr: { $and: [{ $gt: ['$n', 1500] }, { $lte: ['$n', 1600] }] } })
      .toArray();
    assert.equal(viaIndex.length, 100);
    assert.deepEqual(
      viaIndex.map((d) => d.n).sort((a, b) => a - b),
      viaScan.map((d) => d.n).sort((a, b) => a - b),
    );
  });

  it('keeps index answers correct after updates and deletes change keys', async () => {
    const c = db.collection<Loose>('maint');
    await c.createIndex({ tag: 1 });
    await c.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: i, tag: i % 2 === 0 ? 'even' : 'odd' })));
    await c.updateMany({ _id: { $lt: 10 } }, { $set: { tag: 'low' } });
    await c.deleteMany({ _id: { $gte: 40 } });
    assert.equal(await c.countDocuments({ tag: 'low' }), 10);
    assert.equal(await c.countDocuments({ tag: 'even' }), 15);
    assert.equal(await c.countDocuments({ tag: 'odd' }), 15);
  });

  it('indexes array fields (multikey) and answers element equality through the index', async () => {
    const c = db.collection<Loose>('multi');
    await c.createIndex({ tags: 1 });
    await c.insertMany([{ tags: ['a', 'b'] }, { tags: ['b', 'c'] }, { tags: [] }, { tags: 'a' }]);
    assert.equal(await c.countDocuments({ tags: 'a' }), 2);
    assert.equal(await c.countDocuments({ tags: 'b' }), 2);
    assert.equal(await c.countDocuments({ tags: { $in: ['a', 'c'] } }), 3);
    const sorted = await c
      .find({ tags: { $exists: true } })
      .sort({ tags: 1 })
      .toArray();
    assert.equal(sorted.length, 4);
  });

  it('pairs fields of one array element in a compound multikey index (no cross-element duplicates)', async () => {
    const c = db.collection<Loose>('identities');
    await c.createIndex(
      { 'identities.channel': 1, 'identities.externalId': 1 },
      { unique: true, partialFilterExpression: { 'identities.channel': { $exists: true } } },
    );
    await c.insertOne({
      name: 'A',
      identities: [
        { channel: 'sms', externalId: '+8613800000001' },
        { channel: 'whatsapp', externalId: '+8613800000002' },
      ],
    });
    // Same phone on another channel, for another contact: not a duplicate (no sms/+...02 element exists).
    await c.insertOne({ name: 'B', identities: [{ channel: 'sms', externalId: '+8613800000002' }] });
    await assert.rejects(
      c.insertOne({ name: 'C', identities: [{ channel: 'whatsapp', externalId: '+8613800000002' }] }),
      (e: MongoServerError) => {
        assert.deepEqual(e.keyValue, {
          'identities.channel': 'whatsapp',
          'identities.externalId': '+8613800000002',
        });
        return e.code === 11000;
      },
    );
    await c.insertMany([{ name: 'D' }, { name: 'E', identities: [] }]);
    // A plain (non-partial) compound multikey index must not narrow a query to one element's pairs.
    await c.createIndex({ 'identities.channel': 1, 'identities.externalId': 1 }, { name: 'plain' });
    assert.equal(
      await c.countDocuments({ 'identities.channel': 'sms', 'identities.externalId': '+8613800000002' }),
      2,
    );
    const exact = await c
      .find({ identities: { $elemMatch: { channel: 'sms', externalId: '+8613800000002' } } })
      .toArray();
    assert.deepEqual(
      exact.map((d) => d.name),
      ['B'],
    );
  });

  it('deletes expired documents through a TTL index', async () => {
    const c = db.collection<Loose>('ttl');
    await c.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
    await c.insertMany([
      { name: 'old', expiresAt: new Date(Date.now() - 60_000) },
      { name: 'future', expiresAt: new Date(Date.now() + 3_600_000) },
      { name: 'no-date', expiresAt: 'not a date' },
    ]);
    let names: string[] = [];
    for (let i = 0; i < 50; i++) {
      names = (await c.find().toArray()).map((d) => d.name as string).sort();
      if (names.length === 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(names, ['future', 'no-date']);
  });
});
