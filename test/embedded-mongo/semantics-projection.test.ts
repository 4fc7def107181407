import assert from 'node:assert/strict';
import { Binary, Double, Int32, ObjectId } from 'bson';
import { projectDocument } from '../../server/embedded-mongo/semantics/index.js';

describe('semantics: projectDocument', () => {
  const id = new ObjectId();
  const doc = {
    z: 'last-but-stored-first',
    _id: id,
    a: new Int32(1),
    b: { c: new Double(2.5), d: 'x' },
    arr: [new Int32(1), new Int32(2), new Int32(3), new Int32(4)],
    items: [
      { k: 'a', n: 1 },
      { k: 'b', n: 2 },
    ],
    bin: new Binary(Buffer.from('abc'), 4),
  };

  it('puts _id first and keeps the stored field order in an inclusion', () => {
    const out = projectDocument(doc, { a: 1, z: 1 });
    assert.deepEqual(Object.keys(out), ['_id', 'z', 'a']);
    assert.equal(out.a, doc.a); // same Int32 object: type kept
  });

  it('excludes fields and _id', () => {
    const out = projectDocument(doc, { b: 0, _id: 0, arr: false });
    assert.deepEqual(Object.keys(out), ['z', 'a', 'items', 'bin']);
    assert.deepEqual(Object.keys(projectDocument(doc, { _id: 0, a: 1 })), ['a']);
    assert.deepEqual(Object.keys(projectDocument(doc, { _id: new Int32(0) })), [
      'z',
      'a',
      'b',
      'arr',
      'items',
      'bin',
    ]);
  });

  it('projects nested paths through documents and arrays of documents', () => {
    assert.deepEqual(projectDocument(doc, { 'b.c': 1, _id: 0 }), { b: { c: doc.b.c } });
    assert.deepEqual(projectDocument(doc, { 'items.k': 1, _id: 0 }), { items: [{ k: 'a' }, { k: 'b' }] });
    assert.deepEqual(projectDocument(doc, { 'items.n': 0, b: 0, arr: 0, bin: 0, z: 0, a: 0 }), {
      _id: id,
      items: [{ k: 'a' }, { k: 'b' }],
    });
  });

  it('combines $slice with an inclusion and with an exclusion', () => {
    const inc = projectDocument(doc, { a: 1, arr: { $slice: 2 } });
    assert.deepEqual(Object.keys(inc), ['_id', 'a', 'arr']);
    assert.deepEqual(
      (inc.arr as Int32[]).map((x) => x.value),
      [1, 2],
    );
    const exc = projectDocument(doc, { b: 0, arr: { $slice: [-3, 2] } });
    assert.deepEqual(
      (exc.arr as Int32[]).map((x) => x.value),
      [2, 3],
    );
    assert.ok('z' in exc && !('b' in exc));
    const only = projectDocument(doc, { arr: { $slice: -1 } });
    assert.deepEqual(Object.keys(only), ['z', '_id', 'a', 'b', 'arr', 'items', 'bin']);
  });

  it('combines $elemMatch with an inclusion and with an exclusion', () => {
    const inc = projectDocument(doc, { a: 1, items: { $elemMatch: { n: { $gt: 1 } } } });
    assert.deepEqual(inc, { _id: id, a: doc.a, items: [{ k: 'b', n: 2 }] });
    const exc = projectDocument(doc, { b: 0, items: { $elemMatch: { k: 'zz' } } });
    assert.ok(!('items' in exc) && 'a' in exc);
  });

  it('refuses mixing inclusion and exclusion with MongoDB codes, except for _id', () => {
    assert.throws(() => projectDocument(doc, { a: 1, b: 0 }), { code: 31254 });
    assert.throws(() => projectDocument(doc, { b: 0, a: 1 }), { code: 31253 });
    assert.throws(() => projectDocument(doc, { b: 1, 'b.c': 1 }), { code: 31250 });
    assert.doesNotThrow(() => projectDocument(doc, { a: 1, _id: 0 }));
  });

  it('evaluates expressions as computed fields', () => {
    const out = projectDocument(doc, { a: 1, twice: { $multiply: ['$a', 2] }, lit: { $literal: 1 } });
    assert.deepEqual(Object.keys(out), ['_id', 'a', 'twice', 'lit']);
    assert.equal((out.twice as Int32).value, 2);
  });

  it('keeps binary subtypes', () => {
    assert.equal((projectDocument(doc, { bin: 1 }).bin as Binary).sub_type, 4);
  });

  it('keeps the element the query matched for a positional projection (arr.$)', () => {
    const out = projectDocument(doc, { 'items.$': 1 }, { filter: { 'items.k': 'b' } });
    assert.deepEqual(out, { _id: id, items: [{ k: 'b', n: 2 }] });
    assert.deepEqual(projectDocument(doc, { 'items.$': 1 }).items, doc.items);
  });
});
