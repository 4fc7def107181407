/**
 * Issue 17, defect 0: a client could pollute the engine's own `Object.prototype` through an update path
 * (`$rename: {hello: '__proto__.polluted'}`), after which every `$project` and pipeline update failed
 * for every client until a restart. Paths with `__proto__`, `constructor` or `prototype` segments are
 * refused (BadValue) in update operators, pipeline updates, aggregation stages and find projections,
 * and nothing is written.
 */
import assert from 'node:assert/strict';
import { MongoClient, MongoServerError, type Collection, type Document } from 'mongodb';
import { startFixture, type EngineFixture, type Loose } from './engine-fixture';

/** `{[name]: value}` as an own property, the way a client on the wire can send it. */
function field(name: string, value: unknown): Document {
  const out: Document = {};
  Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

function isRefused(e: unknown): boolean {
  assert.ok(e instanceof MongoServerError, String(e));
  assert.equal(e.code, 2);
  assert.match(e.message, /__proto__|constructor|prototype/);
  return true;
}

function assertPrototypeClean(): void {
  const probe: Record<string, unknown> = {};
  for (const name of ['polluted', 'x', 'y', 'z', 'hello'])
    assert.equal(probe[name], undefined, `Object.prototype.${name}`);
}

describe('embedded-mongo: reserved field names (__proto__, constructor, prototype)', () => {
  let fx: EngineFixture;
  let other: MongoClient;
  let c: Collection<Loose>;
  before(async () => {
    fx = await startFixture();
    other = await MongoClient.connect(fx.engine.uri);
  });
  after(async () => {
    await other.close();
    await fx.close();
  });
  beforeEach(async () => {
    c = fx.freshDb().collection<Loose>('docs');
    await c.insertOne({ _id: 1, hello: 'world', list: [{ a: 1 }] });
  });

  async function assertUnchanged(): Promise<void> {
    assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, hello: 'world', list: [{ a: 1 }] });
    assertPrototypeClean();
  }

  it('refuses $rename into __proto__ and keeps $project and pipeline updates working for every client', async () => {
    await assert.rejects(c.updateOne({ _id: 1 }, { $rename: { hello: '__proto__.polluted' } }), isRefused);
    await assertUnchanged();
    // Another client, another database: the stages that broke after the pollution still work.
    const elsewhere = other.db(fx.freshDb().databaseName).collection<Loose>('other');
    await elsewhere.insertOne({ _id: 'a', n: 1 });
    assert.deepEqual(await elsewhere.aggregate([{ $project: { n: 1 } }]).toArray(), [{ _id: 'a', n: 1 }]);
    await elsewhere.updateOne({ _id: 'a' }, [{ $set: { m: { $add: ['$n', 1] } } }]);
    assert.deepEqual(await elsewhere.findOne({ _id: 'a' }), { _id: 'a', n: 1, m: 2 });
  });

  it('refuses reserved segments in every update operator path', async () => {
    const updates: Document[] = [
      { $set: { '__proto__.polluted': 1 } },
      { $set: field('__proto__', { polluted: 1 }) },
      { $set: { 'constructor.prototype.polluted': 1 } },
      { $set: { 'hello.constructor': 1 } },
      { $set: { 'list.0.__proto__.x': 1 } },
      { $inc: { '__proto__.x': 1 } },
      { $max: { 'prototype.y': 5 } },
      { $unset: { '__proto__.toString': '' } },
      { $rename: { hello: 'constructor.prototype.hello' } },
      { $rename: field('__proto__', 'z') },
      { $push: { '__proto__.z': 1 } },
      { $addToSet: { 'constructor.z': 1 } },
      { $currentDate: { '__proto__.x': true } },
      { $setOnInsert: { '__proto__.x': 1 } },
    ];
    for (const update of updates) {
      await assert.rejects(c.updateOne({ _id: 1 }, update), isRefused, JSON.stringify(update));
      await assertUnchanged();
    }
    await assert.rejects(
      c.updateOne({ _id: 2 }, { $setOnInsert: { 'constructor.prototype.x': 1 } }, { upsert: true }),
      isRefused,
    );
    assert.equal(await c.countDocuments({}), 1);
    await assert.rejects(c.findOneAndUpdate({ _id: 1 }, { $set: { '__proto__.polluted': 1 } }), isRefused);
    await assertUnchanged();
  });

  it('refuses reserved segments in pipeline updates, aggregation stages and projections', async () => {
    const pipelines: Document[][] = [
      [{ $set: { '__proto__.polluted': 1 } }],
      [{ $addFields: { 'constructor.prototype.polluted': 1 } }],
      [{ $set: { a: { $setField: { field: '__proto__', input: {}, value: 1 } } } }],
      [{ $set: { a: '$__proto__' } }],
      [{ $project: { 'hello.constructor': 1 } }],
      [{ $unset: '__proto__' }],
      [{ $replaceWith: { $mergeObjects: ['$$ROOT', '$$ROOT.constructor'] } }],
    ];
    for (const pipeline of pipelines) {
      await assert.rejects(c.updateOne({ _id: 1 }, pipeline), isRefused, JSON.stringify(pipeline));
      await assertUnchanged();
    }
    const stages: Document[][] = [
      [{ $project: { '__proto__.polluted': '$hello' } }],
      [{ $group: { _id: null, constructor: { $first: '$hello' } } }],
      [{ $lookup: { from: 'docs', localField: 'hello', foreignField: 'hello', as: '__proto__' } }],
      [{ $unwind: { path: '$list', includeArrayIndex: 'prototype' } }],
      [{ $count: '__proto__' }],
      [{ $facet: { a: [{ $set: { 'prototype.x': 1 } }] } }],
    ];
    for (const pipeline of stages) {
      await assert.rejects(c.aggregate(pipeline).toArray(), isRefused, JSON.stringify(pipeline));
      assertPrototypeClean();
    }
    await assert.rejects(c.find({}, { projection: { '__proto__.x': 1 } }).toArray(), isRefused);
    // Ordinary fields and string data that merely spell those words are fine.
    await c.updateOne({ _id: 1 }, [{ $set: { word: { $literal: 'constructor' }, proto: 'prototype' } }]);
    const doc = await c.findOne({ _id: 1 }, { projection: { word: 1, proto: 1 } });
    assert.deepEqual(doc, { _id: 1, word: 'constructor', proto: 'prototype' });
    assertPrototypeClean();
  });
});
