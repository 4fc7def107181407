import assert from 'node:assert/strict';
import { MongoServerError } from 'mongodb';
import { useEngine, type Loose } from './engine-fixture';

describe('embedded-mongo: handshake, server and catalog commands', () => {
  const engine = useEngine();

  it('answers hello like a standalone mongod 7.0', async () => {
    const hello = await engine.fx.client.db('admin').command({ hello: 1 });
    assert.equal(hello.isWritablePrimary, true);
    assert.equal(hello.maxWireVersion, 21);
    assert.equal(hello.logicalSessionTimeoutMinutes, 30);
    assert.equal(hello.maxWriteBatchSize, 100000);
    assert.equal(hello.topologyVersion, undefined);
    assert.equal(hello.setName, undefined);
    const legacy = await engine.fx.client.db('admin').command({ isMaster: 1 });
    assert.equal(legacy.ismaster, true);
    const build = await engine.fx.client.db('admin').command({ buildInfo: 1 });
    assert.equal(build.version, '7.0.0');
    const status = await engine.fx.client.db('admin').command({ serverStatus: 1 });
    assert.equal(status.version, '7.0.0');
    assert.ok(status.connections.current >= 1);
    assert.deepEqual(await engine.db.command({ ping: 1 }), { ok: 1 });
  });

  it('counts the commands it ran by name in serverStatus, failures apart', async () => {
    const admin = engine.fx.client.db('admin');
    const counts = async () =>
      ((await admin.command({ serverStatus: 1 })).metrics.commands ?? {}) as Record<
        string,
        { total: number; failed: number }
      >;
    const before = await counts();
    await engine.db.collection('c').insertOne({ a: 1 });
    await engine.db.collection('c').findOne({ a: 1 });
    await engine.db.collection('c').findOne({ a: 2 });
    await assert.rejects(engine.db.collection('c').findOne({ a: { $noSuchOperator: 1 } }));
    const after = await counts();
    const delta = (name: string, field: 'total' | 'failed') =>
      Number(after[name]?.[field] ?? 0) - Number(before[name]?.[field] ?? 0);
    assert.equal(delta('find', 'total'), 3);
    assert.equal(delta('find', 'failed'), 1, 'the refused query counts as failed');
    assert.equal(delta('insert', 'total'), 1);
    assert.equal(delta('insert', 'failed'), 0);
    assert.equal(delta('serverStatus', 'total'), 1, 'the reading itself counts once it answered');
  });

  it('answers the tier-2 diagnostic commands', async () => {
    const admin = engine.fx.client.db('admin');
    const fcv = await admin.command({ getParameter: 1, featureCompatibilityVersion: 1 });
    assert.equal(fcv.featureCompatibilityVersion.version, '7.0');
    await assert.rejects(
      admin.command({ getParameter: 1, noSuchThing: 1 }),
      (e: MongoServerError) => e.code === 72,
    );
    assert.ok((await admin.command({ hostInfo: 1 })).system.numCores >= 1);
    assert.match((await admin.command({ whatsmyuri: 1 })).you, /^127\.0\.0\.1:\d+$/);
    assert.ok(Array.isArray((await admin.command({ getLog: 'global' })).log));
    assert.equal((await admin.command({ getCmdLineOpts: 1 })).parsed.net.port, engine.fx.engine.port);
    assert.deepEqual((await admin.command({ connectionStatus: 1 })).authInfo.authenticatedUsers, []);
    const commands = (await admin.command({ listCommands: 1 })).commands;
    for (const name of ['find', 'insert', 'aggregate', 'createIndexes', 'bulkWrite', 'explain'])
      assert.ok(commands[name], name);
  });

  it('refuses unknown commands (59), transactions (20) and change streams (40573)', async () => {
    await assert.rejects(
      engine.db.command({ frobnicate: 1 }),
      (e: MongoServerError) => e.code === 59 && e.codeName === 'CommandNotFound',
    );
    const c = engine.db.collection<Loose>('tx');
    const session = engine.fx.client.startSession();
    try {
      session.startTransaction();
      // The server answers 20 IllegalOperation; the driver rewraps that for writes (as with a real standalone).
      await assert.rejects(
        c.insertOne({ a: 1 }, { session }),
        (e: MongoServerError) => e.code === 20 || /does not support retryable writes/.test(e.message),
      );
      await assert.rejects(c.findOne({}, { session }), (e: MongoServerError) => e.code === 20);
      await session.abortTransaction().catch(() => undefined);
    } finally {
      await session.endSession();
    }
    assert.equal(await c.countDocuments(), 0);
    await assert.rejects(
      engine.fx.client.db('admin').command({ commitTransaction: 1 }),
      (e: MongoServerError) => e.code === 20,
    );
    await assert.rejects(
      engine.fx.client.db('admin').command({ abortTransaction: 1 }),
      (e: MongoServerError) => e.code === 20,
    );
    await assert.rejects(
      c.aggregate([{ $changeStream: {} }]).toArray(),
      (e: MongoServerError) => e.code === 40573,
    );
    // Sessions without transactions work (every command carries lsid).
    const plain = engine.fx.client.startSession();
    await c.insertOne({ a: 2 }, { session: plain });
    await plain.endSession();
    assert.equal(await c.countDocuments(), 1);
  });

  it('creates collections (48 when they exist), lists and drops them', async () => {
    await engine.db.createCollection('a');
    await assert.rejects(
      engine.db.createCollection('a'),
      (e: MongoServerError) => e.code === 48 && e.codeName === 'NamespaceExists',
    );
    await engine.db.collection<Loose>('b').insertOne({ x: 1 });
    const names = (await engine.db.listCollections().toArray()).map((c) => c.name).sort();
    assert.deepEqual(names, ['a', 'b']);
    const info = await engine.db.listCollections({ name: 'b' }).toArray();
    assert.equal(info.length, 1);
    assert.equal(info[0]!.type, 'collection');
    assert.equal(await engine.db.collection<Loose>('b').drop(), true);
    assert.deepEqual(
      (await engine.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name),
      ['a'],
    );
    await assert.rejects(engine.db.createCollection('bad$name'), (e: MongoServerError) => e.code === 73);
  });

  it('lists and drops databases', async () => {
    await engine.db.collection<Loose>('x').insertOne({ a: 1 });
    const list = await engine.fx.client.db('admin').admin().listDatabases();
    assert.ok(list.databases.some((d) => d.name === engine.db.databaseName && d.empty === false));
    assert.equal(await engine.db.dropDatabase(), true);
    const after = await engine.fx.client.db('admin').admin().listDatabases({ nameOnly: true });
    assert.ok(!after.databases.some((d) => d.name === engine.db.databaseName));
    assert.equal(await engine.db.collection<Loose>('x').countDocuments(), 0);
  });

  it('renames collections with their documents and indexes', async () => {
    const c = engine.db.collection<Loose>('old');
    await c.createIndex({ k: 1 }, { unique: true });
    await c.insertOne({ k: 1 });
    await c.rename('new');
    const renamed = engine.db.collection<Loose>('new');
    assert.equal(await renamed.countDocuments(), 1);
    await assert.rejects(renamed.insertOne({ k: 1 }), (e: MongoServerError) => e.code === 11000);
    assert.equal(await engine.db.collection<Loose>('old').countDocuments(), 0);
    await engine.db.collection<Loose>('other').insertOne({ z: 1 });
    await assert.rejects(
      engine.db.collection<Loose>('other').rename('new'),
      (e: MongoServerError) => e.code === 48,
    );
    await engine.db.collection<Loose>('other').rename('new', { dropTarget: true });
    assert.deepEqual(
      await engine.db
        .collection<Loose>('new')
        .find({}, { projection: { _id: 0 } })
        .toArray(),
      [{ z: 1 }],
    );
  });

  it('enforces validators (121) and changes them with collMod', async () => {
    await engine.db.createCollection('v', { validator: { age: { $gte: 0 } } });
    const c = engine.db.collection<Loose>('v');
    await c.insertOne({ age: 3 });
    await assert.rejects(c.insertOne({ age: -1 }), (e: MongoServerError) => e.code === 121);
    await engine.db.command({ collMod: 'v', validator: {} });
    await c.insertOne({ age: -1 });
    assert.equal(await c.countDocuments(), 2);
  });

  it('reports collStats, dbStats and a TTL change through collMod', async () => {
    const c = engine.db.collection<Loose>('s');
    await c.insertMany([{ a: 1 }, { a: 2 }]);
    await c.createIndex({ at: 1 }, { expireAfterSeconds: 60 });
    const stats = await engine.db.command({ collStats: 's' });
    assert.equal(stats.count, 2);
    assert.equal(stats.nindexes, 2);
    assert.ok(stats.size > 0);
    const dbStats = await engine.db.command({ dbStats: 1 });
    assert.equal(dbStats.collections, 1);
    assert.equal(dbStats.objects, 2);
    const mod = await engine.db.command({
      collMod: 's',
      index: { keyPattern: { at: 1 }, expireAfterSeconds: 120 },
    });
    assert.equal(mod.expireAfterSeconds_old, 60);
    assert.equal(mod.expireAfterSeconds_new, 120);
    const spec = (await c.listIndexes().toArray()).find((i) => i.name === 'at_1');
    assert.equal(spec?.expireAfterSeconds, 120);
  });

  it('runs the client-level bulkWrite admin command across namespaces', async () => {
    const ns1 = `${engine.db.databaseName}.one`;
    const ns2 = `${engine.db.databaseName}.two`;
    const res = await engine.fx.client.db('admin').command({
      bulkWrite: 1,
      ops: [
        { insert: 0, document: { _id: 1 } },
        { insert: 1, document: { _id: 2 } },
        { update: 0, filter: { _id: 1 }, updateMods: { $set: { x: 1 } }, multi: false },
        { delete: 1, filter: { _id: 2 }, multi: false },
        { insert: 0, document: { _id: 1 } },
      ],
      nsInfo: [{ ns: ns1 }, { ns: ns2 }],
      ordered: true,
      errorsOnly: false,
    });
    assert.equal(res.nInserted, 2);
    assert.equal(res.nModified, 1);
    assert.equal(res.nDeleted, 1);
    assert.equal(res.nErrors, 1);
    const last = res.cursor.firstBatch.at(-1);
    assert.equal(last.ok, 0);
    assert.equal(last.idx, 4);
    assert.equal(last.code, 11000);
    assert.deepEqual(await engine.db.collection<Loose>('one').find().toArray(), [{ _id: 1, x: 1 }]);
  });
});
