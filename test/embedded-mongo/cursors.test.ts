import assert from 'node:assert/strict';
import { Long, MongoServerError, type Db } from 'mongodb';
import { startFixture, type EngineFixture, type Loose } from './engine-fixture';

describe('embedded-mongo: cursors', () => {
  let fx: EngineFixture;
  let db: Db;
  before(async () => {
    fx = await startFixture();
    db = fx.freshDb();
    await db
      .collection<Loose>('many')
      .insertMany(Array.from({ length: 1050 }, (_, i) => ({ _id: i, pad: 'x'.repeat(50) })));
  });
  after(async () => {
    await fx.close();
  });

  it('returns a first batch of 101 and the rest through getMore, in order', async () => {
    const first = await db.command({ find: 'many', filter: {}, sort: { _id: 1 } });
    assert.equal(first.cursor.firstBatch.length, 101);
    assert.ok(first.cursor.id instanceof Long);
    assert.notEqual(first.cursor.id.toString(), '0');
    assert.equal(first.cursor.ns, `${db.databaseName}.many`);
    const more = await db.command({ getMore: first.cursor.id, collection: 'many', batchSize: 200 });
    assert.equal(more.cursor.nextBatch.length, 200);
    assert.equal(more.cursor.nextBatch[0]._id, 101);
    const all = await db.collection<Loose>('many').find().sort({ _id: 1 }).batchSize(64).toArray();
    assert.equal(all.length, 1050);
    assert.ok(all.every((d, i) => d._id === i));
  });

  it('closes the cursor with singleBatch and with a limit', async () => {
    const single = await db.command({ find: 'many', filter: {}, batchSize: 5, singleBatch: true });
    assert.equal(single.cursor.firstBatch.length, 5);
    assert.equal(single.cursor.id.toString(), '0');
    const limited = await db.command({ find: 'many', filter: {}, limit: 7 });
    assert.equal(limited.cursor.firstBatch.length, 7);
    assert.equal(limited.cursor.id.toString(), '0');
    const one = await db.collection<Loose>('many').findOne({ _id: { $gt: 1000 } });
    assert.equal(one?._id, 1001);
  });

  it('answers an unknown cursor with 43 CursorNotFound and kills cursors', async () => {
    await assert.rejects(
      db.command({ getMore: Long.fromNumber(123456789), collection: 'many' }),
      (e: MongoServerError) => {
        assert.equal(e.codeName, 'CursorNotFound');
        return e.code === 43;
      },
    );
    const first = await db.command({ find: 'many', filter: {}, batchSize: 2 });
    const killed = await db.command({ killCursors: 'many', cursors: [first.cursor.id, Long.fromNumber(42)] });
    assert.deepEqual(killed.cursorsKilled.map(String), [first.cursor.id.toString()]);
    assert.deepEqual(killed.cursorsNotFound.map(String), ['42']);
    await assert.rejects(
      db.command({ getMore: first.cursor.id, collection: 'many' }),
      (e: MongoServerError) => e.code === 43,
    );
  });

  it('survives breaking out of a for-await loop (the cursor is killed, the connection keeps working)', async () => {
    const c = db.collection<Loose>('many');
    let seen = 0;
    for await (const doc of c.find().batchSize(10)) {
      seen += 1;
      if (doc._id === 25) break;
    }
    assert.equal(seen, 26);
    assert.equal(await c.countDocuments(), 1050);
  });

  it('does not let later writes change a result already being read', async () => {
    const c = db.collection<Loose>('snap');
    await c.insertMany(Array.from({ length: 30 }, (_, i) => ({ _id: i })));
    const cursor = c.find().sort({ _id: 1 }).batchSize(10);
    const firstTen: number[] = [];
    for (let i = 0; i < 10; i++) firstTen.push((await cursor.next())!._id);
    await c.deleteMany({ _id: { $gte: 20 } });
    const rest = (await cursor.toArray()).map((d) => d._id);
    assert.equal(firstTen.length + rest.length, 30);
    await cursor.close();
  });

  it('pages aggregate, listIndexes and listCollections results through cursors', async () => {
    const docs = await db
      .collection<Loose>('many')
      .aggregate([{ $match: { _id: { $lt: 300 } } }], { batchSize: 50 })
      .toArray();
    assert.equal(docs.length, 300);
    const names = await db.listCollections({}, { batchSize: 1 }).toArray();
    assert.ok(names.some((n) => n.name === 'many'));
  });

  it('drops cursors left idle past the timeout', async () => {
    const quick = await startFixture({ cursorIdleTimeoutMs: 100 });
    try {
      const qdb = quick.freshDb();
      await qdb.collection<Loose>('c').insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: i })));
      const first = await qdb.command({ find: 'c', filter: {}, batchSize: 2 });
      const kept = await qdb.command({ getMore: first.cursor.id, collection: 'c', batchSize: 2 });
      assert.equal(kept.cursor.nextBatch.length, 2);
      await new Promise((r) => setTimeout(r, 400));
      await assert.rejects(
        qdb.command({ getMore: first.cursor.id, collection: 'c' }),
        (e: MongoServerError) => e.code === 43,
      );
    } finally {
      await quick.close();
    }
  });
});
