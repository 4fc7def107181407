import assert from 'node:assert/strict';
import { MongoBulkWriteError, MongoServerError, ObjectId } from 'mongodb';
import { useEngine, type Loose } from './engine-fixture';

describe('embedded-mongo: CRUD through the mongodb driver', () => {
  const engine = useEngine();

  it('inserts documents, generates ObjectIds and stores _id first', async () => {
    const c = engine.db.collection<Loose>('people');
    const res = await c.insertMany(
      [
        { name: 'ann', _id: undefined },
        { age: 3, _id: 7 },
      ].map(({ _id, ...rest }) => (_id === undefined ? rest : { ...rest, _id })),
    );
    assert.equal(res.insertedCount, 2);
    const docs = await c.find({}).toArray();
    assert.equal(docs.length, 2);
    assert.ok(docs[0]!._id instanceof ObjectId);
    assert.deepEqual(Object.keys(docs[1]), ['_id', 'age']);
    assert.equal(docs[1]!._id, 7);
  });

  it('finds with filter, sort, skip, limit and projection', async () => {
    const c = engine.db.collection<Loose>('nums');
    await c.insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: i, n: i % 5, sq: i * i, tag: `t${i}` })));
    const docs = await c
      .find({ n: { $gte: 3 } }, { projection: { sq: 1 } })
      .sort({ sq: -1 })
      .skip(1)
      .limit(3)
      .toArray();
    assert.deepEqual(docs, [
      { _id: 18, sq: 324 },
      { _id: 14, sq: 196 },
      { _id: 13, sq: 169 },
    ]);
    const excluded = await c.findOne({ _id: 4 }, { projection: { tag: 0, sq: 0 } });
    assert.deepEqual(excluded, { _id: 4, n: 4 });
  });

  it('updates with operators, counts matched and modified, and leaves non-matching documents alone', async () => {
    const c = engine.db.collection<Loose>('u');
    await c.insertMany([
      { _id: 1, a: 1, tags: ['x'] },
      { _id: 2, a: 2, tags: [] },
      { _id: 3, a: 3 },
    ]);
    const many = await c.updateMany({ a: { $lte: 2 } }, { $inc: { a: 10 }, $push: { tags: 'y' } as Loose });
    assert.equal(many.matchedCount, 2);
    assert.equal(many.modifiedCount, 2);
    const same = await c.updateOne({ _id: 3 }, { $set: { a: 3 } });
    assert.equal(same.matchedCount, 1);
    assert.equal(same.modifiedCount, 0);
    assert.deepEqual(await c.find().sort({ _id: 1 }).toArray(), [
      { _id: 1, a: 11, tags: ['x', 'y'] },
      { _id: 2, a: 12, tags: ['y'] },
      { _id: 3, a: 3 },
    ]);
  });

  it('resolves the positional $ operator in updates and projections from the matched element', async () => {
    const orders = engine.db.collection('positional');
    await orders.insertOne({
      _id: 'o1' as never,
      items: [
        { sku: 'kettle', qty: 1 },
        { sku: 'toaster', qty: 2 },
      ],
    });
    const res = await orders.updateOne(
      { _id: 'o1' as never, 'items.sku': 'toaster' },
      { $inc: { 'items.$.qty': 3 } },
    );
    assert.equal(res.modifiedCount, 1);
    const stored = await orders.findOne({ _id: 'o1' as never });
    assert.deepEqual(stored?.items, [
      { sku: 'kettle', qty: 1 },
      { sku: 'toaster', qty: 5 },
    ]);
    const projected = await orders.findOne({ 'items.sku': 'toaster' }, { projection: { 'items.$': 1 } });
    assert.deepEqual(projected?.items, [{ sku: 'toaster', qty: 5 }]);
    const modified = await orders.findOneAndUpdate(
      { 'items.sku': 'kettle' },
      { $set: { 'items.$.qty': 9 } },
      { returnDocument: 'after', projection: { 'items.$': 1 } },
    );
    assert.deepEqual(modified?.items, [{ sku: 'kettle', qty: 9 }]);
  });

  it('upserts with $setOnInsert applied only on insert', async () => {
    const c = engine.db.collection<Loose>('ups');
    const first = await c.updateOne(
      { key: 'k' },
      { $set: { v: 1 }, $setOnInsert: { created: 'once' } },
      { upsert: true },
    );
    assert.equal(first.upsertedCount, 1);
    assert.ok(first.upsertedId instanceof ObjectId);
    const second = await c.updateOne(
      { key: 'k' },
      { $set: { v: 2 }, $setOnInsert: { created: 'twice' } },
      { upsert: true },
    );
    assert.equal(second.upsertedCount, 0);
    assert.equal(second.matchedCount, 1);
    const doc = await c.findOne({ key: 'k' }, { projection: { _id: 0 } });
    assert.deepEqual(doc, { key: 'k', v: 2, created: 'once' });
  });

  it('replaces a document, keeping its _id, and refuses to change _id', async () => {
    const c = engine.db.collection<Loose>('rep');
    await c.insertOne({ _id: 1, a: 1, b: 2 });
    await c.replaceOne({ _id: 1 }, { c: 3 });
    assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, c: 3 });
    await assert.rejects(
      c.replaceOne({ _id: 1 }, { _id: 2, c: 4 }),
      (err: MongoServerError) => err.code === 66,
    );
    await assert.rejects(
      c.updateOne({ _id: 1 }, { $set: { _id: 5 } }),
      (err: MongoServerError) => err.code === 66,
    );
    const res = await c.updateOne({ _id: 1 }, { $set: { _id: 1, d: 1 } });
    assert.equal(res.modifiedCount, 1);
  });

  it('applies arrayFilters and pipeline updates', async () => {
    const c = engine.db.collection<Loose>('arr');
    await c.insertOne({ _id: 1, grades: [80, 95, 100], items: [{ q: 1 }, { q: 5 }] });
    await c.updateOne({ _id: 1 }, { $set: { 'grades.$[g]': 0 } }, { arrayFilters: [{ g: { $gte: 95 } }] });
    await c.updateOne({ _id: 1 }, [{ $set: { total: { $sum: '$items.q' } } }]);
    const doc = await c.findOne({ _id: 1 });
    assert.deepEqual(doc?.grades, [80, 0, 0]);
    assert.equal(doc?.total, 6);
  });

  it('deletes one or many', async () => {
    const c = engine.db.collection<Loose>('del');
    await c.insertMany([{ k: 1 }, { k: 1 }, { k: 1 }, { k: 2 }]);
    assert.equal((await c.deleteOne({ k: 1 })).deletedCount, 1);
    assert.equal((await c.deleteMany({ k: 1 })).deletedCount, 2);
    assert.equal(await c.countDocuments(), 1);
    assert.equal((await engine.db.collection<Loose>('missing').deleteMany({})).deletedCount, 0);
  });

  it('findOneAndUpdate / findOneAndDelete / findOneAndReplace return the right image', async () => {
    const c = engine.db.collection<Loose>('fam');
    await c.insertMany([
      { _id: 1, q: 'a', n: 1 },
      { _id: 2, q: 'a', n: 2 },
    ]);
    const before = await c.findOneAndUpdate({ q: 'a' }, { $inc: { n: 100 } }, { sort: { n: -1 } });
    assert.deepEqual(before, { _id: 2, q: 'a', n: 2 });
    const after = await c.findOneAndUpdate(
      { _id: 1 },
      { $inc: { n: 1 } },
      { returnDocument: 'after', projection: { n: 1, _id: 0 } },
    );
    assert.deepEqual(after, { n: 2 });
    const upserted = await c.findOneAndUpdate(
      { q: 'new' },
      { $setOnInsert: { n: 0 } },
      { upsert: true, returnDocument: 'after', includeResultMetadata: true },
    );
    assert.equal(upserted.lastErrorObject?.updatedExisting, false);
    assert.ok(upserted.lastErrorObject?.upserted instanceof ObjectId);
    assert.equal(upserted.value?.q, 'new');
    const none = await c.findOneAndUpdate({ q: 'nothing' }, { $set: { n: 1 } });
    assert.equal(none, null);
    const replaced = await c.findOneAndReplace({ _id: 1 }, { fresh: true }, { returnDocument: 'after' });
    assert.deepEqual(replaced, { _id: 1, fresh: true });
    const deleted = await c.findOneAndDelete({ _id: 2 });
    assert.equal(deleted?.n, 102);
    assert.equal(await c.countDocuments({ _id: 2 }), 0);
  });

  it('counts, estimates and lists distinct values (array elements included)', async () => {
    const c = engine.db.collection<Loose>('cnt');
    await c.insertMany([{ t: ['a', 'b'] }, { t: 'b' }, { t: 'c', x: 1 }, { x: 2 }, { t: null }]);
    assert.equal(await c.countDocuments({ x: { $exists: true } }), 2);
    assert.equal(await c.countDocuments({}, { skip: 1, limit: 2 }), 2);
    assert.equal(await c.estimatedDocumentCount(), 5);
    assert.deepEqual(await c.distinct('t'), [null, 'a', 'b', 'c']);
    assert.deepEqual(await c.distinct('t', { x: 1 }), ['c']);
    assert.equal(await engine.db.collection<Loose>('nothing').estimatedDocumentCount(), 0);
  });

  it('reports duplicate keys with keyPattern, keyValue and the E11000 message; ordered stops, unordered continues', async () => {
    const c = engine.db.collection<Loose>('dups');
    await c.createIndex({ email: 1 }, { unique: true });
    await c.insertOne({ email: 'a@x' });
    await assert.rejects(c.insertOne({ email: 'a@x' }), (err: MongoServerError) => {
      assert.equal(err.code, 11000);
      assert.deepEqual(err.keyPattern, { email: 1 });
      assert.deepEqual(err.keyValue, { email: 'a@x' });
      assert.equal(
        err.message,
        `E11000 duplicate key error collection: ${engine.db.databaseName}.dups index: email_1 dup key: { email: "a@x" }`,
      );
      return true;
    });
    await assert.rejects(
      c.insertMany([{ email: 'b@x' }, { email: 'a@x' }, { email: 'c@x' }]),
      (err: MongoBulkWriteError) => {
        assert.equal(err.result.insertedCount, 1);
        assert.equal(
          err.writeErrors instanceof Array
            ? err.writeErrors[0]!.index
            : (err.writeErrors as unknown as { index: number }).index,
          1,
        );
        return true;
      },
    );
    assert.equal(await c.countDocuments({ email: 'c@x' }), 0);
    await assert.rejects(
      c.insertMany([{ email: 'd@x' }, { email: 'a@x' }, { email: 'e@x' }], { ordered: false }),
      MongoBulkWriteError,
    );
    assert.equal(await c.countDocuments({ email: { $in: ['d@x', 'e@x'] } }), 2);
    // An update that would collide is refused and leaves the document unchanged.
    await assert.rejects(
      c.updateOne({ email: 'b@x' }, { $set: { email: 'a@x' } }),
      (err: MongoServerError) => err.code === 11000,
    );
    assert.equal(await c.countDocuments({ email: 'b@x' }), 1);
    // findAndModify reports it as a top-level error.
    await assert.rejects(
      c.findOneAndUpdate({ email: 'b@x' }, { $set: { email: 'a@x' } }),
      (err: MongoServerError) => {
        assert.equal(err.code, 11000);
        assert.equal(err.codeName, 'DuplicateKey');
        assert.deepEqual(err.keyValue, { email: 'a@x' });
        return true;
      },
    );
    // Duplicate _id too.
    await c.insertOne({ _id: 'same' as unknown as ObjectId });
    await assert.rejects(c.insertOne({ _id: 'same' as unknown as ObjectId }), (err: MongoServerError) => {
      assert.deepEqual(err.keyPattern, { _id: 1 });
      return err.code === 11000;
    });
  });

  it('supports w:0 writes (no reply) followed by reads on the same client', async () => {
    const c = engine.db.collection<Loose>('w0');
    await c.insertOne({ a: 1 }, { writeConcern: { w: 0 } });
    await c.insertOne({ a: 2 }, { writeConcern: { w: 0 } });
    // A later acknowledged command on the pool sees both.
    let n = 0;
    for (let i = 0; i < 50 && n < 2; i++) {
      n = await c.countDocuments();
      if (n < 2) await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(n, 2);
  });

  it('runs bulkWrite on a collection with mixed operations', async () => {
    const c = engine.db.collection<Loose>('bulk');
    const res = await c.bulkWrite([
      { insertOne: { document: { _id: 1, v: 1 } } },
      { insertOne: { document: { _id: 2, v: 2 } } },
      { updateOne: { filter: { _id: 1 }, update: { $set: { v: 10 } } } },
      { updateOne: { filter: { _id: 3 }, update: { $set: { v: 3 } }, upsert: true } },
      { deleteOne: { filter: { _id: 2 } } },
      { replaceOne: { filter: { _id: 3 }, replacement: { v: 33 } } },
    ]);
    assert.equal(res.insertedCount, 2);
    assert.equal(res.matchedCount, 2);
    assert.equal(res.upsertedCount, 1);
    assert.equal(res.deletedCount, 1);
    assert.deepEqual(await c.find().sort({ _id: 1 }).toArray(), [
      { _id: 1, v: 10 },
      { _id: 3, v: 33 },
    ]);
  });
});
