import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import mongoose, { Schema, type Connection } from 'mongoose';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../server/embedded-mongo';

describe('embedded-mongo: mongoose 9 models', () => {
  let engine: EmbeddedMongo;
  let conn: Connection;

  const contactSchema = new Schema({
    name: { type: String, required: true },
    email: { type: String, unique: true, sparse: true },
    score: Number,
    big: BigInt,
    tags: [String],
    identities: [{ channel: String, externalId: String }],
  });
  contactSchema.index(
    { 'identities.channel': 1, 'identities.externalId': 1 },
    { unique: true, sparse: true },
  );

  const counterSchema = new Schema({ _id: String, seq: { type: Number, default: 0 }, createdAt: Date });

  // Mongoose's defaults: a hub built earlier in this process (test files share mocha worker processes)
  // turned on its global sanitizeFilter, which would refuse these tests' query operators.
  const sanitizeFilter: unknown = mongoose.get('sanitizeFilter');
  before(async () => {
    mongoose.set('sanitizeFilter', false);
    engine = await startEmbeddedMongo({ port: 0, durability: 'memory' });
    conn = await mongoose.createConnection(`${engine.uri}m_${randomBytes(4).toString('hex')}`).asPromise();
  });
  after(async () => {
    await conn.close();
    await engine.stop();
    mongoose.set('sanitizeFilter', sanitizeFilter as boolean);
  });

  it('creates models with their indexes and maps E11000 to the schema path', async () => {
    const Contact = conn.model('Contact', contactSchema);
    await Contact.init();
    const indexes = await Contact.listIndexes();
    assert.deepEqual(indexes.map((i) => i.name).sort(), [
      '_id_',
      'email_1',
      'identities.channel_1_identities.externalId_1',
    ]);
    await Contact.create({ name: 'Ann', email: 'ann@x.test' });
    await assert.rejects(
      Contact.create({ name: 'Dup', email: 'ann@x.test' }),
      (err: { code?: number; keyPattern?: object; keyValue?: object }) => {
        assert.equal(err.code, 11000);
        assert.deepEqual(err.keyPattern, { email: 1 });
        assert.deepEqual(err.keyValue, { email: 'ann@x.test' });
        return true;
      },
    );
    // Sparse: several contacts without email are fine.
    await Contact.create([{ name: 'NoMail1' }, { name: 'NoMail2' }]);
    assert.equal(await Contact.countDocuments(), 3);
    // Idempotent ingest key on an array of sub-documents.
    await Contact.create({ name: 'Wa', identities: [{ channel: 'whatsapp', externalId: '+8613800000000' }] });
    await assert.rejects(
      Contact.create({ name: 'Wa2', identities: [{ channel: 'whatsapp', externalId: '+8613800000000' }] }),
      (err: { code?: number }) => err.code === 11000,
    );
  });

  it('runs findOneAndUpdate with upsert and $setOnInsert atomically (counters)', async () => {
    const Counter = conn.model('Counter', counterSchema);
    const next = () =>
      Counter.findOneAndUpdate(
        { _id: 'ticket' },
        { $inc: { seq: 1 }, $setOnInsert: { createdAt: new Date(0) } },
        { upsert: true, returnDocument: 'after' },
      ).lean();
    const results = await Promise.all(Array.from({ length: 25 }, next));
    const seqs = results.map((r) => r.seq).sort((a, b) => a - b);
    assert.deepEqual(
      seqs,
      Array.from({ length: 25 }, (_, i) => i + 1),
    );
    const doc = await Counter.findById('ticket').lean();
    assert.equal(doc?.seq, 25);
    assert.deepEqual(doc?.createdAt, new Date(0));
  });

  it('guards state transitions with conditional updates', async () => {
    const Conv = conn.model('Conv', new Schema({ status: String, assignee: String }));
    const c = await Conv.create({ status: 'queued' });
    const claims = await Promise.all(
      ['a1', 'a2', 'a3'].map((agent) =>
        Conv.findOneAndUpdate(
          { _id: c._id, status: 'queued' },
          { $set: { status: 'assigned', assignee: agent } },
          { returnDocument: 'after' },
        ).lean(),
      ),
    );
    assert.equal(claims.filter((x) => x !== null).length, 1);
  });

  it('supports lean queries, distinct, countDocuments, estimatedDocumentCount, deleteMany', async () => {
    const Contact = conn.model('Contact');
    await Contact.updateMany({ name: /^NoMail/ }, { $set: { score: 5 }, $addToSet: { tags: 'vip' } });
    const vip = await Contact.find({ tags: 'vip' }).sort({ name: 1 }).select({ name: 1, _id: 0 }).lean();
    assert.deepEqual(vip, [{ name: 'NoMail1' }, { name: 'NoMail2' }]);
    assert.deepEqual(await Contact.distinct('score'), [5]);
    assert.equal(await Contact.countDocuments({ score: { $gte: 5 } }), 2);
    assert.equal(await Contact.estimatedDocumentCount(), 4);
    const res = await Contact.deleteMany({ score: 5 });
    assert.equal(res.deletedCount, 2);
  });

  it('round-trips BigInt and checks $type double/long through mongoose', async () => {
    const Contact = conn.model('Contact');
    await Contact.create({ name: 'Big', big: 9007199254740993n, score: 1.5 });
    // Hydrated documents cast the stored int64 back to a BigInt (lean ones see the driver's Long, as with mongod).
    const doc = await Contact.findOne({ name: 'Big' });
    assert.equal(doc?.get('big'), 9007199254740993n);
    assert.equal(await Contact.countDocuments({ big: { $type: 'long' } }), 1);
    assert.equal(await Contact.countDocuments({ score: { $type: 'double' } }), 1);
  });

  it('syncIndexes drops indexes no longer declared and creates new ones', async () => {
    const base = new Schema({ a: Number, b: Number });
    base.index({ a: 1 });
    const M1 = conn.model('Sync', base, 'sync');
    await M1.init();
    await M1.create({ a: 1, b: 1 });
    conn.deleteModel('Sync');
    const changed = new Schema({ a: Number, b: Number });
    changed.index({ b: -1 }, { unique: true });
    const M2 = conn.model('Sync', changed, 'sync');
    const dropped = await M2.syncIndexes();
    assert.deepEqual(dropped, ['a_1']);
    const names = (await M2.listIndexes()).map((i) => i.name).sort();
    assert.deepEqual(names, ['_id_', 'b_-1']);
  });

  it('iterates a query cursor and can stop early', async () => {
    const Item = conn.model('Item', new Schema({ n: Number }));
    await Item.insertMany(Array.from({ length: 300 }, (_, n) => ({ n })));
    let seen = 0;
    for await (const doc of Item.find().sort({ n: 1 }).batchSize(20).cursor()) {
      assert.equal(doc.n, seen);
      seen += 1;
      if (seen === 150) break;
    }
    assert.equal(seen, 150);
    assert.equal(await Item.countDocuments(), 300);
  });

  it('sends Connection.bulkWrite as the admin bulkWrite command', async () => {
    const Item = conn.model('Item');
    const res = await conn.bulkWrite([
      { model: 'Item', name: 'insertOne', document: { n: 1000 } },
      { model: 'Item', name: 'updateOne', filter: { n: 0 }, update: { $set: { n: -1 } } },
      { model: 'Item', name: 'deleteOne', filter: { n: 1 } },
    ]);
    assert.equal(res.insertedCount, 1);
    assert.equal(res.modifiedCount, 1);
    assert.equal(res.deletedCount, 1);
    assert.equal(await Item.countDocuments({ n: { $in: [1000, -1] } }), 2);
  });

  it('aggregates through the model', async () => {
    const Item = conn.model('Item');
    const [row] = await Item.aggregate<{ total: number; n: number }>([
      { $match: { n: { $gte: 100, $lt: 200 } } },
      { $group: { _id: null, total: { $sum: '$n' }, n: { $sum: 1 } } },
    ]);
    assert.equal(row?.n, 100);
    assert.equal(row?.total, (100 + 199) * 50);
  });
});
