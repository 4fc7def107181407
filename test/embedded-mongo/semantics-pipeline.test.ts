import assert from 'node:assert/strict';
import { Decimal128, Double, Int32, Long, ObjectId, type Document } from 'bson';
import { runPipeline } from '../../server/embedded-mongo/semantics/index.js';

const agentA = new ObjectId();
const agentB = new ObjectId();
const conversations: Document[] = [
  {
    _id: new ObjectId(),
    agent: agentA,
    status: 'open',
    channel: 'email',
    waitMs: new Int32(10),
    at: new Date('2026-03-01T23:30:00Z'),
    tags: ['vip', 'new'],
  },
  {
    _id: new ObjectId(),
    agent: agentA,
    status: 'closed',
    channel: 'chat',
    waitMs: new Int32(9),
    at: new Date('2026-03-02T10:00:00Z'),
    tags: [],
  },
  {
    _id: new ObjectId(),
    agent: agentB,
    status: 'open',
    channel: 'chat',
    waitMs: new Int32(100),
    at: new Date('2026-03-05T08:15:00Z'),
    tags: ['vip'],
  },
  {
    _id: new ObjectId(),
    agent: agentB,
    status: 'open',
    channel: 'email',
    waitMs: new Double(2.5),
    at: new Date('2026-03-05T09:00:00Z'),
  },
];
const agents: Document[] = [
  { _id: agentA, name: 'Ann', team: 't1' },
  { _id: agentB, name: 'Bob', team: 't2' },
];
const ctx = { resolveCollection: (name: string) => (name === 'agents' ? agents : []) };
const run = (pipeline: Document[], c: Partial<Parameters<typeof runPipeline>[2]> = {}) =>
  runPipeline(conversations, pipeline, { ...ctx, ...c });
const num = (v: unknown): number => Number((v as { valueOf(): number }).valueOf?.() ?? v);

describe('semantics: runPipeline', () => {
  it('counts like mongoose countDocuments ($match + $group {_id: 1, n: {$sum: 1}})', () => {
    const [out] = run([
      { $match: { status: 'open' } },
      { $group: { _id: new Int32(1), n: { $sum: new Int32(1) } } },
    ]);
    assert.equal(num(out?.n), 3);
  });

  it('groups with $sum, $avg, $min, $max, $push, $addToSet, $first, $last, $count', () => {
    const out = run([
      { $sort: { at: 1 } },
      {
        $group: {
          _id: '$agent',
          total: { $sum: '$waitMs' },
          avg: { $avg: '$waitMs' },
          min: { $min: '$waitMs' },
          max: { $max: '$waitMs' },
          channels: { $push: '$channel' },
          uniq: { $addToSet: '$status' },
          first: { $first: '$channel' },
          last: { $last: '$channel' },
          n: { $count: {} },
        },
      },
      { $sort: { _id: 1 } },
    ]);
    const a = out.find((g) => (g._id as ObjectId).equals(agentA));
    const b = out.find((g) => (g._id as ObjectId).equals(agentB));
    assert.ok(a && b);
    assert.equal(num(a.total), 19);
    assert.equal(num(a.avg), 9.5);
    assert.equal(num(a.min), 9); // numerically, not "10" < "9"
    assert.equal(num(b.max), 100);
    assert.deepEqual(a.channels, ['email', 'chat']);
    assert.equal((a.uniq as unknown[]).length, 2);
    assert.equal(a.first, 'email');
    assert.equal(b.last, 'email');
    assert.equal(num(a.n), 2);
  });

  it('sorts inside pipelines with the BSON comparator (numbers across types, ObjectIds by bytes)', () => {
    const out = run([{ $sort: { waitMs: new Int32(-1) } }, { $project: { waitMs: 1, _id: 0 } }]);
    assert.deepEqual(
      out.map((d) => num(d.waitMs)),
      [100, 10, 9, 2.5],
    );
    const mixed = runPipeline(
      [{ v: 'a' }, { v: new ObjectId() }, { v: Long.fromInt(3) }, { v: null }],
      [{ $sort: { v: 1 } }],
      ctx,
    );
    assert.deepEqual(
      mixed.map((d) => (d.v === null ? 'null' : (d.v as object).constructor.name)),
      ['null', 'Long', 'String', 'ObjectId'],
    );
  });

  it('keeps stored BSON types of values passed through stages', () => {
    const docs = [
      { _id: 1, d: new Double(2), l: Long.fromInt(3), dec: Decimal128.fromString('1.5'), i: new Int32(4) },
    ];
    const [out] = runPipeline(
      docs,
      [{ $addFields: { x: 1 } }, { $project: { d: 1, l: 1, dec: 1, i: 1, x: 1 } }],
      ctx,
    );
    assert.ok(out);
    assert.equal((out.d as object).constructor.name, 'Double');
    assert.equal((out.l as object).constructor.name, 'Long');
    assert.equal((out.dec as object).constructor.name, 'Decimal128');
    assert.equal((out.i as object).constructor.name, 'Int32');
    assert.deepEqual(Object.keys(out), ['_id', 'd', 'l', 'dec', 'i', 'x']);
  });

  it('supports $project, $addFields/$set, $unset, $skip, $limit, $unwind, $replaceRoot', () => {
    const out = run([
      { $sort: { at: 1 } },
      { $skip: new Int32(0) },
      { $limit: new Int32(3) },
      { $unwind: '$tags' },
      { $set: { t: { $toUpper: '$tags' } } },
      { $unset: ['tags', 'agent'] },
      { $replaceRoot: { newRoot: { tag: '$t', channel: '$channel' } } },
    ]);
    assert.deepEqual(out, [
      { tag: 'VIP', channel: 'email' },
      { tag: 'NEW', channel: 'email' },
      { tag: 'VIP', channel: 'chat' },
    ]);
  });

  it('looks up another collection with localField/foreignField and with pipeline + let', () => {
    const simple = run([
      { $match: { channel: 'chat' } },
      { $lookup: { from: 'agents', localField: 'agent', foreignField: '_id', as: 'a' } },
    ]);
    assert.deepEqual(
      simple.map((d) => (d.a as Document[])[0]?.name),
      ['Ann', 'Bob'],
    );
    const piped = run([
      { $match: { channel: 'email' } },
      {
        $lookup: {
          from: 'agents',
          let: { id: '$agent' },
          pipeline: [{ $match: { $expr: { $eq: ['$_id', '$$id'] } } }, { $project: { _id: 0, team: 1 } }],
          as: 'a',
        },
      },
    ]);
    assert.deepEqual(
      piped.map((d) => d.a),
      [[{ team: 't1' }], [{ team: 't2' }]],
    );
  });

  it('runs $facet, $bucket, $count and $sortByCount', () => {
    const [facets] = run([
      {
        $facet: {
          byChannel: [{ $sortByCount: '$channel' }],
          open: [{ $match: { status: 'open' } }, { $count: 'n' }],
          buckets: [
            {
              $bucket: {
                groupBy: '$waitMs',
                boundaries: [0, 10, 1000],
                default: 'other',
                output: { n: { $sum: 1 } },
              },
            },
          ],
        },
      },
    ]);
    assert.ok(facets);
    assert.deepEqual(
      (facets.byChannel as Document[]).map((d) => [d._id, num(d.count)]),
      [
        ['email', 2],
        ['chat', 2],
      ],
    );
    assert.equal(num((facets.open as Document[])[0]?.n), 3);
    assert.deepEqual(
      (facets.buckets as Document[]).map((d) => [num(d._id), num(d.n)]),
      [
        [0, 2],
        [10, 2],
      ],
    );
  });

  it('evaluates date operators with time zones', () => {
    const [out] = run([
      { $sort: { at: 1 } },
      { $limit: 1 },
      {
        $project: {
          day: { $dateToString: { date: '$at', format: '%Y-%m-%d', timezone: 'Europe/Paris' } },
          y: { $year: '$at' },
          m: { $month: '$at' },
          d: { $dayOfMonth: '$at' },
          h: { $hour: { date: '$at', timezone: '+01:00' } },
          trunc: { $dateTrunc: { date: '$at', unit: 'day' } },
          diff: { $dateDiff: { startDate: '$at', endDate: new Date('2026-03-03T23:30:00Z'), unit: 'day' } },
        },
      },
    ]);
    assert.ok(out);
    assert.equal(out.day, '2026-03-02');
    assert.deepEqual([num(out.y), num(out.m), num(out.d), num(out.h)], [2026, 3, 1, 0]);
    assert.deepEqual(out.trunc, new Date('2026-03-01T00:00:00Z'));
    assert.equal(num(out.diff), 2);
  });

  it('computes $percentile and $median numerically (accumulator and expression)', () => {
    const docs = [9, 10, 100, 2, 50].map((v, i) => ({ _id: i, v: new Int32(v) }));
    const [g] = runPipeline(
      docs,
      [
        {
          $group: {
            _id: null,
            p: { $percentile: { input: '$v', p: [0.5, 0.9], method: 'approximate' } },
            med: { $median: { input: '$v', method: 'approximate' } },
          },
        },
      ],
      ctx,
    );
    assert.ok(g);
    assert.deepEqual((g.p as unknown[]).map(num), [10, 100]); // mingo sorts as strings: [10, 100, 2, 50, 9]
    assert.equal(num(g.med), 10);
    const [e] = runPipeline(
      [{ _id: 1, xs: [new Int32(3), new Int32(20), new Int32(100)] }],
      [
        {
          $project: {
            m: { $median: { input: '$xs', method: 'approximate' } },
            p: { $percentile: { input: '$xs', p: [1], method: 'approximate' } },
          },
        },
      ],
      ctx,
    );
    assert.equal(num(e?.m), 20);
    assert.deepEqual((e?.p as unknown[]).map(num), [100]);
  });

  it('evaluates $cond, $ifNull, $switch, $toString and $toDate', () => {
    const [out] = runPipeline(
      [{ _id: new ObjectId('65f000000000000000000000'), n: new Int32(5), ms: Long.fromNumber(0) }],
      [
        {
          $project: {
            c: { $cond: [{ $gt: ['$n', 3] }, 'big', 'small'] },
            i: { $ifNull: ['$missing', 'dflt'] },
            s: { $switch: { branches: [{ case: { $eq: ['$n', 5] }, then: 'five' }], default: 'other' } },
            str: { $toString: '$n' },
            id: { $toString: '$_id' },
            date: { $toDate: '$ms' },
          },
        },
      ],
      ctx,
    );
    assert.ok(out);
    assert.deepEqual(
      [out.c, out.i, out.s, out.str, out.id],
      ['big', 'dflt', 'five', '5', '65f000000000000000000000'],
    );
    assert.deepEqual(out.date, new Date(0));
  });

  it('passes let variables and compares with the collation', () => {
    const out = run([{ $match: { $expr: { $eq: ['$channel', '$$ch'] } } }, { $count: 'n' }], {
      let: { ch: 'chat' },
    });
    assert.equal(num(out[0]?.n), 2);
    const ci = run([{ $match: { channel: 'EMAIL' } }, { $count: 'n' }], {
      collation: { locale: 'en_US', strength: 2 },
    });
    assert.equal(num(ci[0]?.n), 2);
  });

  it('reports invalid stages as EngineError code 2 and refuses $where in $match', () => {
    assert.throws(() => run([{ $bogus: {} }]), { code: 2 });
    assert.throws(() => run([{ $match: { $where: 'true' } }]), { code: 2 });
  });

  it('reports stored BSON types from the $type expression', () => {
    const docs = [
      {
        _id: new ObjectId(),
        i: new Int32(1),
        d: new Double(1),
        l: Long.fromInt(1),
        dec: Decimal128.fromString('1'),
        s: 'x',
      },
    ];
    const [out] = runPipeline(
      docs,
      [
        {
          $project: {
            _id: 0,
            id: { $type: '$_id' },
            i: { $type: '$i' },
            d: { $type: '$d' },
            l: { $type: '$l' },
            dec: { $type: '$dec' },
            s: { $type: '$s' },
            m: { $type: '$nope' },
            sum: { $type: { $add: ['$i', 1] } },
          },
        },
      ],
      ctx,
    );
    assert.deepEqual(out, {
      id: 'objectId',
      i: 'int',
      d: 'double',
      l: 'long',
      dec: 'decimal',
      s: 'string',
      m: 'missing',
      sum: 'int',
    });
  });
});
