import assert from 'node:assert/strict';
import {
  Binary,
  BSONRegExp,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
  UUID,
} from 'mongodb';
import { useEngine, type Loose } from './engine-fixture';

describe('embedded-mongo: BSON type fidelity and ordering', () => {
  const engine = useEngine();

  it('keeps int32, double, long and Decimal128 as stored ($type sees them)', async () => {
    const c = engine.db.collection<Loose>('nums');
    await c.insertOne({
      _id: 1,
      i: new Int32(5),
      d: new Double(5),
      l: Long.fromString('9007199254740993'),
      m: Decimal128.fromString('1.10'),
    });
    const raw = await c.findOne({ _id: 1 }, { promoteValues: false });
    assert.ok(raw?.i instanceof Int32);
    assert.ok(raw?.d instanceof Double);
    assert.ok(raw?.l instanceof Long);
    assert.equal(raw?.l.toString(), '9007199254740993');
    assert.ok(raw?.m instanceof Decimal128);
    assert.equal(raw?.m.toString(), '1.10');
    assert.equal(await c.countDocuments({ i: { $type: 'int' } }), 1);
    assert.equal(await c.countDocuments({ d: { $type: 'double' } }), 1);
    assert.equal(await c.countDocuments({ l: { $type: 'long' } }), 1);
    assert.equal(await c.countDocuments({ m: { $type: 'decimal' } }), 1);
    // Numbers compare by value across types.
    assert.equal(await c.countDocuments({ i: 5.0 }), 1);
    assert.equal(await c.countDocuments({ d: new Int32(5) }), 1);
  });

  it('keeps numeric types through $inc and $set', async () => {
    const c = engine.db.collection<Loose>('inc');
    await c.insertOne({
      _id: 1,
      i: new Int32(1),
      l: Long.fromNumber(1),
      d: new Double(1.5),
      m: Decimal128.fromString('2.5'),
    });
    await c.updateOne(
      { _id: 1 },
      {
        $inc: { i: new Int32(2), l: Long.fromNumber(2), d: new Double(1), m: Decimal128.fromString('0.5') },
      },
    );
    const raw = await c.findOne({ _id: 1 }, { promoteValues: false });
    assert.ok(raw?.i instanceof Int32);
    assert.equal(raw?.i.value, 3);
    assert.ok(raw?.l instanceof Long);
    assert.equal(raw?.l.toNumber(), 3);
    assert.ok(raw?.d instanceof Double);
    assert.equal(raw?.d.value, 2.5);
    assert.ok(raw?.m instanceof Decimal128);
    assert.equal(Number(raw?.m.toString()), 3);
  });

  it('keeps binary subtypes, UUIDs, timestamps, regexes with flags, MinKey/MaxKey', async () => {
    const c = engine.db.collection<Loose>('bin');
    const uuid = new UUID();
    await c.insertOne({
      _id: 1,
      generic: new Binary(Buffer.from([1, 2, 3]), 0),
      user: new Binary(Buffer.from('abc'), 0x80),
      uuid,
      ts: new Timestamp({ t: 100, i: 7 }),
      re: new BSONRegExp('^ab+c', 'imx'),
      lo: new MinKey(),
      hi: new MaxKey(),
    });
    const doc = await c.findOne({ _id: 1 }, { bsonRegExp: true });
    assert.equal(doc?.generic.sub_type, 0);
    assert.deepEqual([...doc!.generic.buffer], [1, 2, 3]);
    assert.equal(doc?.user.sub_type, 0x80);
    assert.equal(doc?.uuid.sub_type, 4);
    assert.equal(doc?.uuid.toUUID().toHexString(), uuid.toHexString());
    assert.equal(doc?.ts.t, 100);
    assert.equal(doc?.ts.i, 7);
    assert.ok(doc?.re instanceof BSONRegExp);
    assert.equal(doc?.re.options, 'imx');
    assert.ok(doc?.lo instanceof MinKey);
    assert.ok(doc?.hi instanceof MaxKey);
    assert.equal(await c.countDocuments({ uuid }), 1);
    assert.equal(await c.countDocuments({ user: { $type: 'binData' } }), 1);
  });

  it('sorts across types in BSON order, ascending and descending, with and without an index', async () => {
    const c = engine.db.collection<Loose>('order');
    const values: Array<[string, unknown]> = [
      ['maxkey', new MaxKey()],
      ['regex', new BSONRegExp('a', '')],
      ['timestamp', new Timestamp({ t: 1, i: 1 })],
      ['date', new Date(0)],
      ['bool', true],
      ['objectid', new ObjectId('000000000000000000000001')],
      ['binary', new Binary(Buffer.from([1]))],
      ['array', [100]],
      ['object', { a: 1 }],
      ['string', 'abc'],
      ['long', Long.fromNumber(2)],
      ['double', 1.5],
      ['decimal', Decimal128.fromString('2.5')],
      ['int', new Int32(1)],
      ['null', null],
      ['minkey', new MinKey()],
    ];
    await c.insertMany(values.map(([name, v]) => ({ name, v })));
    await c.insertOne({ name: 'missing' });
    // An array sorts by its smallest element ascending: [100] sorts as the number 100.
    const expected = [
      'minkey',
      'null',
      'missing',
      'int',
      'double',
      'long',
      'decimal',
      'array',
      'string',
      'object',
      'binary',
      'objectid',
      'bool',
      'date',
      'timestamp',
      'regex',
      'maxkey',
    ];
    const scan = (await c.find().sort({ v: 1, name: 1 }).toArray()).map((d) => d.name);
    // null and missing sort together (their relative order is by name here).
    assert.deepEqual(scan, ['minkey', 'missing', 'null', ...expected.slice(3)]);
    const desc = (
      await c
        .find({ name: { $nin: ['null', 'missing', 'array'] } })
        .sort({ v: -1 })
        .toArray()
    ).map((d) => d.name);
    assert.deepEqual(desc, expected.filter((n) => !['null', 'missing', 'array'].includes(n)).reverse());
    await c.createIndex({ v: 1 });
    const indexed = (
      await c
        .find({ name: { $nin: ['null', 'missing'] } })
        .sort({ v: 1 })
        .toArray()
    ).map((d) => d.name);
    assert.deepEqual(
      indexed,
      expected.filter((n) => !['null', 'missing'].includes(n)),
    );
    // Without arrays the index itself provides the order (no in-memory sort): same answer, both ways.
    await c.deleteOne({ name: 'array' });
    await c.dropIndex('v_1');
    await c.createIndex({ v: 1 });
    const plan = await c.find({}).sort({ v: -1 }).explain();
    assert.equal(plan.queryPlanner.winningPlan.inputStage?.indexName, 'v_1');
    const viaIndex = (await c.find({}).sort({ v: -1 }).toArray())
      .map((d) => d.name)
      .filter((n) => n !== 'null' && n !== 'missing');
    assert.deepEqual(viaIndex, expected.filter((n) => !['null', 'missing', 'array'].includes(n)).reverse());
  });

  it('matches range queries only within the type bracket (numbers, strings, dates), with and without an index', async () => {
    const c = engine.db.collection<Loose>('bracket');
    await c.insertMany([
      { v: 5 },
      { v: Long.fromNumber(7) },
      { v: '9' },
      { v: new Date(10) },
      { v: 12.5 },
      { v: null },
    ]);
    const run = async () => ({
      gt: (await c.find({ v: { $gt: 6 } }).toArray()).map((d) => String(d.v)).sort(),
      str: await c.countDocuments({ v: { $gte: '' } }),
      date: await c.countDocuments({ v: { $lt: new Date(100) } }),
    });
    const before = await run();
    await c.createIndex({ v: 1 });
    const after = await run();
    assert.deepEqual(before, { gt: ['12.5', '7'], str: 1, date: 1 });
    assert.deepEqual(after, before);
  });

  it('treats 1, 1.0, Long(1) and Decimal(1) as the same _id', async () => {
    const c = engine.db.collection<Loose>('ids');
    await c.insertOne({ _id: 1 });
    for (const id of [new Double(1), Long.fromNumber(1), Decimal128.fromString('1')]) {
      await assert.rejects(c.insertOne({ _id: id }), (e: { code?: number }) => e.code === 11000);
    }
    assert.equal((await c.findOne({ _id: Long.fromNumber(1) }))?._id, 1);
  });
});
