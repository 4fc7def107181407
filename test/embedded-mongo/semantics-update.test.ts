import assert from 'node:assert/strict';
import { Decimal128, Double, Int32, Long, ObjectId, Timestamp, type Document } from 'bson';
import { applyUpdate, upsertSeed } from '../../server/embedded-mongo/semantics/index.js';

const update = (
  doc: Document,
  u: Document | Document[],
  opts: Partial<Parameters<typeof applyUpdate>[2]> = {},
) => applyUpdate(doc, u, { isUpsertInsert: false, ...opts });
const typeName = (v: unknown): string => (v as object).constructor.name;

describe('semantics: applyUpdate operators', () => {
  const id = new ObjectId();
  const base = (): Document => ({
    _id: id,
    i: new Int32(5),
    d: new Double(2),
    l: Long.fromInt(7),
    dec: Decimal128.fromString('1.1'),
    s: 'x',
    arr: [new Int32(1), new Int32(2)],
    items: [
      { k: 'a', n: new Int32(1) },
      { k: 'b', n: new Int32(2) },
    ],
  });

  it('never mutates the input document', () => {
    const doc = base();
    const snapshot = JSON.stringify(doc);
    const { doc: out } = update(doc, {
      $set: { 'items.0.k': 'z', s: 'y' },
      $push: { arr: 3 },
      $inc: { i: 1 },
    });
    assert.equal(JSON.stringify(doc), snapshot);
    assert.notEqual(out, doc);
    assert.notEqual(out.items, doc.items);
  });

  it('keeps numeric types through $inc: int stays int, long long, double double, decimal decimal', () => {
    const { doc } = update(base(), {
      $inc: { i: new Int32(1), d: new Int32(1), l: new Int32(1), dec: Decimal128.fromString('0.1') },
    });
    assert.equal(typeName(doc.i), 'Int32');
    assert.equal(doc.i.value, 6);
    assert.equal(typeName(doc.d), 'Double');
    assert.equal(doc.d.value, 3);
    assert.equal(typeName(doc.l), 'Long');
    assert.equal(doc.l.toNumber(), 8);
    assert.equal(typeName(doc.dec), 'Decimal128');
    assert.equal(doc.dec.toString(), '1.2');
  });

  it('widens types as MongoDB does: int overflow → long, int + double → double, long + decimal → decimal', () => {
    assert.equal(typeName(update(base(), { $inc: { i: new Int32(2147483647) } }).doc.i), 'Long');
    assert.equal(update(base(), { $inc: { i: new Int32(2147483647) } }).doc.i.toBigInt(), 2147483652n);
    assert.equal(typeName(update(base(), { $inc: { i: new Double(0.5) } }).doc.i), 'Double');
    assert.equal(typeName(update(base(), { $inc: { l: Decimal128.fromString('1') } }).doc.l), 'Decimal128');
    assert.equal(typeName(update(base(), { $inc: { i: Long.fromInt(1) } }).doc.i), 'Long');
  });

  it('refuses a long overflow and $inc on non-numbers with MongoDB codes', () => {
    const big = { _id: 1, l: Long.MAX_VALUE };
    assert.throws(() => update(big, { $inc: { l: new Int32(1) } }), { code: 2 });
    assert.throws(() => update(base(), { $inc: { s: new Int32(1) } }), { code: 14 });
    assert.throws(() => update(base(), { $inc: { i: 'one' } }), { code: 14 });
    assert.throws(() => update(base(), { $mul: { s: new Int32(2) } }), { code: 14 });
  });

  it('$inc on a missing field sets it; $mul sets a typed zero', () => {
    const { doc } = update(base(), { $inc: { n: Long.fromInt(3) }, $mul: { m: new Double(4) } });
    assert.equal(typeName(doc.n), 'Long');
    assert.equal(typeName(doc.m), 'Double');
    assert.equal(doc.m.value, 0);
    assert.equal(update(base(), { $mul: { i: new Int32(3) } }).doc.i.value, 15);
  });

  it('$min/$max compare across numeric types and keep the winner as given', () => {
    const { doc } = update(base(), { $min: { i: new Double(4.5) }, $max: { l: new Int32(3) } });
    assert.equal(typeName(doc.i), 'Double');
    assert.equal(doc.i.value, 4.5);
    assert.equal(typeName(doc.l), 'Long');
    assert.equal(update(base(), { $max: { dec: Decimal128.fromString('9.5') } }).doc.dec.toString(), '9.5');
  });

  it('applies $setOnInsert only on the insert branch of an upsert', () => {
    const u = { $set: { a: 1 }, $setOnInsert: { created: true } };
    assert.deepEqual(update({ _id: 1 }, u).doc, { _id: 1, a: 1 });
    assert.deepEqual(update({ _id: 1 }, u, { isUpsertInsert: true }).doc, { _id: 1, a: 1, created: true });
  });

  it('accepts $set of _id to the same value and refuses changing it (66)', () => {
    assert.equal(update(base(), { $set: { _id: new ObjectId(id.toHexString()), s: 'y' } }).doc.s, 'y');
    assert.throws(() => update(base(), { $set: { _id: new ObjectId() } }), {
      code: 66,
      codeName: 'ImmutableField',
    });
    assert.throws(() => update(base(), { $unset: { _id: 1 } }), { code: 66 });
    assert.equal(update({}, { $set: { _id: 5 } }, { isUpsertInsert: true }).doc._id, 5);
  });

  it('reports conflicting paths with code 40', () => {
    assert.throws(() => update(base(), { $set: { i: 1 }, $inc: { i: 1 } }), { code: 40 });
    assert.throws(() => update(base(), { $set: { items: [] }, $unset: { 'items.0.k': 1 } }), { code: 40 });
    assert.throws(() => update(base(), { $rename: { s: 'i' }, $inc: { i: 1 } }), { code: 40 });
    // siblings sharing a prefix are fine (mingo is stricter)
    assert.equal(update(base(), { $set: { 'a.b': 1, 'a.c': 2 } }).doc.a.c, 2);
  });

  it('refuses $push/$addToSet/$pull on non-arrays and $pop on non-arrays as MongoDB', () => {
    assert.throws(() => update(base(), { $push: { s: 1 } }), { code: 2 });
    assert.throws(() => update(base(), { $addToSet: { s: 1 } }), { code: 2 });
    assert.throws(() => update(base(), { $pull: { s: 1 } }), { code: 2 });
    assert.throws(() => update(base(), { $pop: { s: 1 } }), { code: 14 });
  });

  it('supports $push with $each, $position, $sort and $slice', () => {
    const { doc } = update(base(), {
      $push: { arr: { $each: [new Int32(9), new Int32(0)], $sort: -1, $slice: 3 } },
    });
    assert.deepEqual(
      doc.arr.map((x: Int32) => x.value),
      [9, 2, 1],
    );
    const pos = update(base(), { $push: { arr: { $each: ['x'], $position: new Int32(1) } } }).doc;
    assert.deepEqual(pos.arr.slice(0, 2)[1], 'x');
    const sorted = update(base(), { $push: { items: { $each: [{ k: 'c', n: 0 }], $sort: { n: 1 } } } }).doc;
    assert.deepEqual(
      sorted.items.map((x: Document) => x.k),
      ['c', 'a', 'b'],
    );
    assert.deepEqual(update({ _id: 1 }, { $push: { fresh: 1 } }).doc.fresh, [1]);
  });

  it('$addToSet with $each skips values equal across numeric types', () => {
    const { doc } = update(base(), {
      $addToSet: { arr: { $each: [new Double(1), new Int32(3), new Int32(3)] } },
    });
    assert.deepEqual(
      doc.arr.map((x: Int32) => x.value),
      [1, 2, 3],
    );
  });

  it('$pop removes the last or first element', () => {
    assert.deepEqual(update(base(), { $pop: { arr: 1 } }).doc.arr.length, 1);
    assert.equal(update(base(), { $pop: { arr: new Int32(-1) } }).doc.arr[0].value, 2);
  });

  it('$pull works with values, conditions, and $or over element documents', () => {
    assert.deepEqual(update(base(), { $pull: { arr: new Double(1) } }).doc.arr.length, 1);
    assert.deepEqual(update(base(), { $pull: { arr: { $gte: 2 } } }).doc.arr.length, 1);
    const { doc } = update(base(), { $pull: { items: { $or: [{ k: 'a' }, { n: { $gt: 5 } }] } } });
    assert.deepEqual(
      doc.items.map((x: Document) => x.k),
      ['b'],
    );
    assert.equal(update(base(), { $pull: { items: { k: 'b' } } }).doc.items.length, 1);
    assert.equal(update(base(), { $pullAll: { arr: [1, 2] } }).doc.arr.length, 0);
  });

  it('updates array elements through arrayFilters ($[id]) and all elements ($[])', () => {
    const { doc } = update(
      base(),
      { $set: { 'items.$[e].n': new Int32(9) } },
      { arrayFilters: [{ 'e.k': 'b' }] },
    );
    assert.equal(doc.items[0].n.value, 1);
    assert.equal(doc.items[1].n.value, 9);
    const all = update(base(), { $inc: { 'items.$[].n': new Int32(10) } }).doc;
    assert.deepEqual(
      all.items.map((x: Document) => x.n.value),
      [11, 12],
    );
    assert.throws(() => update(base(), { $set: { 'items.$[e].n': 1 } }), { code: 2 });
    assert.throws(() => update(base(), { $set: { s: 1 } }, { arrayFilters: [{ 'e.k': 'b' }] }), { code: 9 });
  });

  it('resolves the positional $ from the query filter when given', () => {
    const { doc } = update(base(), { $set: { 'items.$.n': new Int32(7) } }, { filter: { 'items.k': 'b' } });
    assert.equal(doc.items[1].n.value, 7);
    assert.throws(() => update(base(), { $set: { 'items.$.n': 7 } }), { code: 2 });
  });

  it('$currentDate sets a Date or a Timestamp', () => {
    const { doc } = update(base(), { $currentDate: { at: true, ts: { $type: 'timestamp' } } });
    assert.ok(doc.at instanceof Date);
    assert.ok(doc.ts instanceof Timestamp);
  });

  it('$rename moves a field and $unset removes it (array elements become null)', () => {
    const { doc } = update(base(), { $rename: { s: 'renamed.s' }, $unset: { 'arr.0': '' } });
    assert.equal(doc.s, undefined);
    assert.equal(doc.renamed.s, 'x');
    assert.equal(doc.arr[0], null);
    assert.equal(update(base(), { $rename: { nope: 'x' } }).modified, false);
    assert.throws(() => update(base(), { $rename: { s: 's' } }), { code: 2 });
  });

  it('reports modified=false for a no-op and detects numeric type changes', () => {
    assert.equal(update(base(), { $set: { s: 'x' } }).modified, false);
    assert.equal(update(base(), { $set: { i: new Double(5) } }).modified, true);
  });

  it('adds new fields in field-name order and refuses scalars in the path (28)', () => {
    const { doc } = update({ _id: 1 }, { $set: { z: 1, a: 1 } });
    assert.deepEqual(Object.keys(doc), ['_id', 'a', 'z']);
    assert.throws(() => update(base(), { $set: { 's.x': 1 } }), { code: 28 });
  });

  it('rejects unknown operators and non-document operator arguments (9)', () => {
    assert.throws(() => update(base(), { $bogus: { a: 1 } }), { code: 9 });
    assert.throws(() => update(base(), { $set: 5 }), { code: 9 });
  });
});

describe('semantics: replacement and pipeline updates', () => {
  it('keeps _id in a replacement and refuses a different one', () => {
    const doc = { _id: 1, a: 1 };
    assert.deepEqual(update(doc, { b: 2 }).doc, { _id: 1, b: 2 });
    assert.deepEqual(Object.keys(update(doc, { b: 2, _id: 1 }).doc), ['_id', 'b']);
    assert.throws(() => update(doc, { _id: 2, b: 2 }), { code: 66 });
    assert.deepEqual(update({ _id: 9 }, { _id: 9, x: 1 }, { isUpsertInsert: true }).doc, { _id: 9, x: 1 });
  });

  it('runs $set/$unset/$project/$replaceWith stages and keeps untouched types', () => {
    const doc = { _id: 1, a: new Int32(2), d: new Double(3), l: Long.fromInt(4), drop: 1 };
    const { doc: out } = update(doc, [{ $set: { b: { $add: ['$a', 1] } } }, { $unset: 'drop' }]);
    assert.equal(typeName(out.d), 'Double');
    assert.equal(typeName(out.l), 'Long');
    assert.equal(out.b.value, 3);
    assert.equal(out.drop, undefined);
    const replaced = update(doc, [{ $replaceWith: { x: '$a' } }]).doc;
    assert.equal(replaced._id, 1);
    assert.equal(replaced.x.value, 2);
    const projected = update(doc, [{ $project: { d: 1 } }]).doc;
    assert.deepEqual(Object.keys(projected), ['_id', 'd']);
    assert.throws(() => update(doc, [{ $group: { _id: null } }]), { code: 72 });
    assert.throws(() => update(doc, [{ $set: { _id: 2 } }]), { code: 66 });
  });

  it('passes let variables into pipeline updates', () => {
    const { doc } = update({ _id: 1 }, [{ $set: { v: '$$x' } }], { let: { x: 'hi' } });
    assert.equal(doc.v, 'hi');
  });
});

describe('semantics: upsertSeed', () => {
  it('takes plain values, $eq, single-element $in and $and equalities, expanding dotted paths', () => {
    const seed = upsertSeed({
      email: 'a@b.c',
      'profile.kind': { $eq: 'agent' },
      n: { $gt: 1 },
      tag: { $in: ['one'] },
      $and: [{ _id: 5 }, { team: 't' }],
      $or: [{ x: 1 }],
      re: /abc/,
    });
    assert.deepEqual(seed, { _id: 5, email: 'a@b.c', profile: { kind: 'agent' }, tag: 'one', team: 't' });
    assert.deepEqual(Object.keys(seed)[0], '_id');
  });

  it('combined with an update gives the upsert insert document', () => {
    const seed = upsertSeed({ key: 'k', count: { $gte: 0 } });
    const { doc } = applyUpdate(
      seed,
      { $inc: { count: new Int32(1) }, $setOnInsert: { createdAt: 'now' } },
      { isUpsertInsert: true },
    );
    assert.deepEqual(Object.keys(doc), ['key', 'count', 'createdAt']);
    assert.equal(doc.count.value, 1);
  });
});
