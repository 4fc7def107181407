import assert from 'node:assert/strict';
import {
  Binary,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
  BSONRegExp,
} from 'bson';
import { compareBson, sortDocuments } from '../../server/embedded-mongo/semantics/index.js';

describe('semantics: BSON comparison order', () => {
  it('orders values of different types as MongoDB does, wrapper classes included', () => {
    const ordered = [
      new MinKey(),
      null,
      new Int32(1),
      'a string',
      { a: 1 },
      [1, 2],
      new Binary(Buffer.from('x')),
      new ObjectId('000000000000000000000001'),
      false,
      new Date(0),
      new Timestamp({ t: 1, i: 1 }),
      new BSONRegExp('a', 'i'),
      new MaxKey(),
    ];
    for (let i = 0; i < ordered.length - 1; i++) {
      assert.equal(compareBson(ordered[i], ordered[i + 1]), -1, `position ${i}`);
      assert.equal(compareBson(ordered[i + 1], ordered[i]), 1, `position ${i} reversed`);
    }
  });

  it('treats missing and null as equal', () => {
    assert.equal(compareBson(undefined, null), 0);
  });

  it('compares int, long, double and decimal by value', () => {
    assert.equal(compareBson(new Int32(5), new Double(5)), 0);
    assert.equal(compareBson(Long.fromInt(5), Decimal128.fromString('5.0')), 0);
    assert.equal(compareBson(new Int32(10), new Int32(9)), 1); // mingo compares wrappers as strings: "10" < "9"
    assert.equal(compareBson(Decimal128.fromString('10.5'), Decimal128.fromString('9.99')), 1);
    assert.equal(compareBson(Decimal128.fromString('-1'), new Double(0.5)), -1);
    assert.equal(compareBson(Long.fromBigInt(2n ** 60n + 1n), Long.fromBigInt(2n ** 60n)), 1);
    assert.equal(compareBson(Long.fromBigInt(2n ** 60n + 1n), new Double(2 ** 60)), 1);
  });

  it('sorts NaN below every other number', () => {
    assert.equal(compareBson(new Double(NaN), new Double(-Infinity)), -1);
    assert.equal(compareBson(new Double(NaN), new Double(NaN)), 0);
  });

  it('compares ObjectIds by bytes and binaries by length, subtype, then bytes', () => {
    assert.equal(
      compareBson(new ObjectId('00000000000000000000000a'), new ObjectId('000000000000000000000009')),
      1,
    );
    assert.equal(compareBson(new Binary(Buffer.from('zz')), new Binary(Buffer.from('aaa'))), -1);
    assert.equal(compareBson(new Binary(Buffer.from('a'), 0), new Binary(Buffer.from('a'), 4)), -1);
  });

  it('compares embedded documents field by field in stored order', () => {
    assert.equal(compareBson({ a: 1, b: 2 }, { a: 1, b: 3 }), -1);
    assert.notEqual(compareBson({ a: 1, b: 2 }, { b: 2, a: 1 }), 0);
  });

  it('applies a collation to strings when given', () => {
    assert.notEqual(compareBson('abc', 'ABC'), 0);
    assert.equal(compareBson('abc', 'ABC', { locale: 'en_US', strength: 2 }), 0);
  });
});

describe('semantics: sortDocuments', () => {
  it('sorts mixed types in BSON order', () => {
    const docs = [
      { v: new MaxKey() },
      { v: new ObjectId() },
      { v: 'x' },
      { v: Long.fromInt(2) },
      { v: new Int32(1) },
      {},
      { v: new MinKey() },
      { v: true },
    ];
    const types = sortDocuments(docs, { v: 1 }).map((d) =>
      d.v === undefined ? 'missing' : (d.v as object).constructor.name,
    );
    assert.deepEqual(types, [
      'MinKey',
      'missing',
      'Int32',
      'Long',
      'String',
      'ObjectId',
      'Boolean',
      'MaxKey',
    ]);
  });

  it('uses the largest array element descending and the smallest ascending', () => {
    const docs = [
      { id: 'a', v: [1, 10] },
      { id: 'b', v: [5] },
    ];
    assert.deepEqual(
      sortDocuments(docs, { v: -1 }).map((d) => d.id),
      ['a', 'b'],
    );
    assert.deepEqual(
      sortDocuments(docs, { v: 1 }).map((d) => d.id),
      ['a', 'b'],
    );
    const docs2 = [
      { id: 'a', v: [3, 4] },
      { id: 'b', v: [1, 6] },
    ];
    assert.deepEqual(
      sortDocuments(docs2, { v: -1 }).map((d) => d.id),
      ['b', 'a'],
    );
    assert.deepEqual(
      sortDocuments(docs2, { v: 1 }).map((d) => d.id),
      ['b', 'a'],
    );
  });

  it('is stable, takes Int32 directions, and returns a new array', () => {
    const docs = [
      { k: new Int32(1), n: 1 },
      { k: new Double(1), n: 2 },
      { k: new Int32(0), n: 3 },
    ];
    const sorted = sortDocuments(docs, { k: new Int32(1) });
    assert.deepEqual(
      sorted.map((d) => d.n),
      [3, 1, 2],
    );
    assert.notEqual(sorted, docs);
    assert.deepEqual(
      docs.map((d) => d.n),
      [1, 2, 3],
    );
  });

  it('sorts by dotted paths through arrays of documents and compound keys', () => {
    const docs = [
      { n: 1, a: [{ b: 5 }, { b: 1 }], c: 2 },
      { n: 2, a: [{ b: 3 }], c: 1 },
      { n: 3, a: [{ b: 3 }], c: 0 },
    ];
    assert.deepEqual(
      sortDocuments(docs, { 'a.b': 1, c: 1 }).map((d) => d.n),
      [1, 3, 2],
    );
    assert.deepEqual(
      sortDocuments(docs, { 'a.b': -1, c: -1 }).map((d) => d.n),
      [1, 2, 3],
    );
  });

  it('sorts strings case-insensitively under a strength-2 collation with an ICU locale name', () => {
    const docs = [{ s: 'b' }, { s: 'B' }, { s: 'a' }, { s: 'C' }];
    assert.deepEqual(
      sortDocuments(docs, { s: 1 }).map((d) => d.s),
      ['B', 'C', 'a', 'b'],
    );
    assert.deepEqual(
      sortDocuments(docs, { s: 1 }, { locale: 'en_US', strength: 2 }).map((d) => d.s),
      ['a', 'b', 'B', 'C'],
    );
  });

  it('rejects an invalid direction', () => {
    assert.throws(() => sortDocuments([{}], { a: 2 }), { code: 2 });
  });
});
