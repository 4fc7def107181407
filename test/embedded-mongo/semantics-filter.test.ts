import assert from 'node:assert/strict';
import {
  Binary,
  BSON,
  BSONRegExp,
  Code,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
  type Document,
} from 'bson';
import { compileFilter } from '../../server/embedded-mongo/semantics/index.js';

const matches = (filter: Document, doc: Document, opts?: Parameters<typeof compileFilter>[1]): boolean =>
  compileFilter(filter, opts)(doc);

describe('semantics: compileFilter', () => {
  const id = new ObjectId();
  const doc = {
    _id: id,
    i: new Int32(5),
    d: new Double(2.5),
    whole: new Double(3),
    l: Long.fromBigInt(2n ** 60n + 1n),
    dec: Decimal128.fromString('10.5'),
    s: 'Hello',
    arr: [new Int32(1), new Int32(7)],
    bin: new Binary(Buffer.from('abc'), 4),
    ts: new Timestamp({ t: 10, i: 1 }),
    nul: null,
    sub: { x: 'y' },
    items: [
      { k: 'a', n: new Int32(1) },
      { k: 'b', n: new Int32(2) },
    ],
  };

  it('matches stored Int32/Double values against numbers of any type', () => {
    assert.ok(matches({ i: 5 }, doc));
    assert.ok(matches({ i: new Double(5) }, doc));
    assert.ok(matches({ whole: new Int32(3) }, doc));
    assert.ok(matches({ i: { $gt: new Int32(4), $lte: Long.fromInt(5) } }, doc));
    assert.ok(!matches({ i: { $gt: new Int32(10) } }, doc)); // mingo compares "5" > "10" as strings
    assert.ok(matches({ i: { $in: [new Int32(1), new Double(5)] } }, doc));
    assert.ok(matches({ i: { $nin: [1, 2] } }, doc));
  });

  it('compares Long and Decimal128 numerically and exactly', () => {
    assert.ok(matches({ l: { $gt: Long.fromBigInt(2n ** 60n) } }, doc));
    assert.ok(!matches({ l: Long.fromBigInt(2n ** 60n) }, doc));
    assert.ok(matches({ dec: { $gt: new Int32(9) } }, doc));
    assert.ok(matches({ dec: { $gt: Decimal128.fromString('9.99') } }, doc)); // string order would say "10.5" < "9.99"
    assert.ok(matches({ dec: new Double(10.5) }, doc));
  });

  it('knows every BSON $type name, code and alias', () => {
    const cases: [string, unknown][] = [
      ['i', 'int'],
      ['i', 16],
      ['i', 'number'],
      ['d', 'double'],
      ['d', new Int32(1)],
      ['whole', 'double'],
      ['l', 'long'],
      ['l', 18],
      ['dec', 'decimal'],
      ['dec', 'number'],
      ['s', 'string'],
      ['sub', 'object'],
      ['arr', 'array'],
      ['bin', 'binData'],
      ['_id', 'objectId'],
      ['_id', 7],
      ['ts', 'timestamp'],
      ['nul', 'null'],
    ];
    for (const [field, type] of cases)
      assert.ok(matches({ [field]: { $type: type } }, doc), `${field} $type ${String(type)}`);
    assert.ok(!matches({ i: { $type: 'double' } }, doc));
    assert.ok(!matches({ whole: { $type: 'int' } }, doc));
    assert.ok(!matches({ l: { $type: 'int' } }, doc));
    assert.ok(matches({ d: { $type: ['string', 'double'] } }, doc));
    assert.ok(matches({ x: { $type: 'minKey' } }, { x: new MinKey() }));
    assert.ok(matches({ x: { $type: 'maxKey' } }, { x: new MaxKey() }));
    assert.ok(matches({ x: { $type: 'regex' } }, { x: new BSONRegExp('a', '') }));
    assert.ok(matches({ x: { $type: 'bool' } }, { x: false }));
    assert.ok(matches({ x: { $type: 'date' } }, { x: new Date() }));
    assert.throws(() => matches({ i: { $type: 'nonsense' } }, doc), { code: 2 });
  });

  it('matches array fields by element and dotted paths through arrays of documents', () => {
    assert.ok(matches({ arr: 7 }, doc));
    assert.ok(matches({ arr: { $gt: 5, $lt: 8 } }, doc));
    assert.ok(matches({ 'items.k': 'b' }, doc));
    assert.ok(matches({ items: { $elemMatch: { k: 'b', n: { $gte: new Int32(2) } } } }, doc));
    assert.ok(matches({ arr: { $all: [new Double(1), 7] } }, doc));
    assert.ok(matches({ items: { $all: [{ $elemMatch: { k: 'a' } }, { $elemMatch: { n: 2 } }] } }, doc));
    assert.ok(!matches({ items: { $all: [{ $elemMatch: { k: 'a' } }, { $elemMatch: { n: 9 } }] } }, doc));
    assert.ok(matches({ arr: { $size: new Int32(2) } }, doc));
  });

  it('takes numeric wrappers as $exists / $mod arguments', () => {
    assert.ok(!matches({ i: { $exists: new Int32(0) } }, doc)); // an Int32(0) object is truthy in JS
    assert.ok(matches({ nope: { $exists: new Int32(0) } }, doc));
    assert.ok(matches({ i: { $mod: [new Int32(2), new Int32(1)] } }, doc));
  });

  it('treats null as matching null and missing fields', () => {
    assert.ok(matches({ nul: null }, doc));
    assert.ok(matches({ missing: null }, doc));
    assert.ok(!matches({ i: null }, doc));
    assert.ok(matches({ missing: { $lte: null } }, doc));
  });

  it('matches stored BSON values of other wrapper types by value', () => {
    assert.ok(matches({ _id: new ObjectId(id.toHexString()) }, doc));
    assert.ok(matches({ bin: new Binary(Buffer.from('abc'), 4) }, doc));
    assert.ok(!matches({ bin: new Binary(Buffer.from('abc'), 0) }, doc));
    assert.ok(matches({ ts: { $gt: new Timestamp({ t: 9, i: 5 }) } }, doc));
  });

  it('accepts BSONRegExp values and $regex/$options, including the x flag', () => {
    assert.ok(matches({ s: new BSONRegExp('^hel', 'i') }, doc));
    assert.ok(matches({ s: { $regex: 'hel', $options: 'i' } }, doc));
    assert.ok(matches({ s: { $regex: new BSONRegExp('^H e l  # comment', 'x') } }, doc));
    assert.ok(matches({ s: { $in: [new BSONRegExp('^h', 'i')] } }, doc));
    assert.ok(matches({ s: { $not: new BSONRegExp('^x') } }, doc));
  });

  it('treats a __proto__ path as a missing field instead of throwing', () => {
    // As decoded from the wire: an own property named __proto__ (a JS literal would set the prototype).
    const decoded = BSON.deserialize(BSON.serialize(JSON.parse('{"__proto__": 1}') as Document));
    assert.deepEqual(Object.keys(decoded), ['__proto__']);
    assert.ok(!matches(decoded, doc));
    assert.ok(!matches({ '__proto__.polluted': 1 }, doc));
    assert.ok(matches({ $or: [{ 'sub.__proto__': 1 }, { i: 5 }] }, doc));
    assert.ok(matches({ '__proto__.x': { $exists: false } }, doc));
  });

  it('refuses $where, BSON Code included', () => {
    assert.throws(() => compileFilter({ $where: new Code('this.i > 1') }), { code: 2 });
    assert.throws(() => compileFilter({ $where: 'this.i > 1' }), { code: 2 });
  });

  it('passes let variables to $expr', () => {
    assert.ok(matches({ $expr: { $gt: ['$i', '$$lim'] } }, doc, { let: { lim: new Int32(3) } }));
    assert.ok(!matches({ $expr: { $gt: ['$i', '$$lim'] } }, doc, { let: { lim: new Int32(30) } }));
    assert.ok(matches({ $expr: { $eq: [{ $add: ['$i', '$d'] }, 7.5] } }, doc));
  });

  it('compares strings under a collation with an ICU-style locale (en_US)', () => {
    assert.ok(!matches({ s: 'hello' }, doc));
    assert.ok(matches({ s: 'hello' }, doc, { collation: { locale: 'en_US', strength: 2 } }));
    assert.ok(matches({ s: 'HÉLLO' }, doc, { collation: { locale: 'fr', strength: 1 } }));
    assert.ok(!matches({ s: 'HÉLLO' }, doc, { collation: { locale: 'fr', strength: 2 } }));
    assert.ok(matches({ s: { $in: ['x', 'HELLO'] } }, doc, { collation: { locale: 'en', strength: 2 } }));
  });

  it('compares only within the same type bracket for $gt/$lt', () => {
    assert.ok(!matches({ s: { $gt: 1 } }, doc));
    assert.ok(!matches({ i: { $lt: 'z' } }, doc));
    assert.ok(matches({ i: { $gt: new MinKey() } }, doc));
  });

  it('reports malformed filters as EngineError code 2', () => {
    assert.throws(() => compileFilter({ i: { $bogus: 1 } }), { code: 2 });
    assert.throws(() => compileFilter({ $or: [] }), { code: 2 });
    assert.throws(() => compileFilter({ i: { $mod: [0, 1] } })(doc), { code: 2 });
  });

  it('ignores $comment', () => {
    assert.ok(matches({ i: 5, $comment: 'why' }, doc));
  });
});
