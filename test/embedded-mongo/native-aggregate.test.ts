/**
 * The native aggregation path (stages run on stored documents) against the mingo path on the same data:
 * two engines, one with `nativeAggregation: false`, fed the same documents through the driver, must
 * answer every pipeline identically, BSON types included (the replies are compared as raw BSON).
 */
import assert from 'node:assert/strict';
import { BSON, Decimal128, Double, Int32, Long, ObjectId, type Db, type Document } from 'mongodb';
import { slaReportPipeline } from '../../server/modules/sla';
import { startFixture, type EngineFixture, type Loose } from './engine-fixture';

const TEAMS = [new ObjectId(), new ObjectId(), new ObjectId()].map(String);
const CHANNELS = ['sms', 'email', 'whatsapp', 'webchat'];

/** Deterministic pseudo-random numbers (a test must replay). */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

function conversations(n: number): Document[] {
  const r = rng(42);
  const base = Date.UTC(2025, 0, 1);
  return Array.from({ length: n }, (_, i) => {
    const minutes = (x: number) => (r() < 0.5 ? new Int32(Math.floor(x)) : new Double(x));
    const hasSla = r() < 0.8;
    return {
      _id: new ObjectId(),
      number: i,
      teamId: r() < 0.15 ? null : TEAMS[i % TEAMS.length],
      assigneeId: r() < 0.3 ? null : `agent${i % 7}`,
      primaryChannel: CHANNELS[i % CHANNELS.length],
      category: r() < 0.2 ? 'complaint' : r() < 0.5 ? 'question' : null,
      priority: ['low', 'normal', 'high'][i % 3],
      status: ['open', 'pending', 'resolved', 'closed'][i % 4],
      metrics: { firstInboundAt: new Date(base + i * 3_600_000) },
      sla: hasSla
        ? {
            policyId: new ObjectId(),
            breached: r() < 0.3,
            breachCount: r() < 0.3 ? new Int32(Math.floor(r() * 3)) : new Long(1),
            firstResponse:
              r() < 0.9 ? { businessMinutes: minutes(r() * 120), calendarMinutes: minutes(r() * 300) } : {},
            resolution:
              r() < 0.6 ? { businessMinutes: minutes(r() * 2000), calendarMinutes: r() * 5000 } : {},
          }
        : { policyId: null },
      csat: r() < 0.4 ? { score: new Int32(1 + Math.floor(r() * 5)) } : null,
      weight: i % 5 === 0 ? Decimal128.fromString('2.5') : new Double(1.5),
      tags: i % 3 === 0 ? ['vip', 'late'] : ['late'],
    };
  });
}

describe('embedded-mongo: native aggregation path equals the mingo path', () => {
  let native: EngineFixture;
  let mingo: EngineFixture;
  let nativeDb: Db;
  let mingoDb: Db;
  let docs: Document[];
  before(async () => {
    native = await startFixture();
    mingo = await startFixture({ nativeAggregation: false });
    const name = native.freshDb().databaseName;
    nativeDb = native.client.db(name);
    mingoDb = mingo.client.db(name);
    docs = conversations(1500);
    for (const db of [nativeDb, mingoDb]) {
      const c = db.collection<Loose>('conversations');
      await c.createIndex({ 'metrics.firstInboundAt': 1 });
      // Copies: the driver adds nothing, but each insert must see the same values.
      await c.insertMany(docs.map((d) => ({ ...d })));
    }
  });
  after(async () => {
    await native.close();
    await mingo.close();
  });

  /** Both engines' answers as raw BSON (so Int32 vs Double vs Long differences show). */
  async function both(pipeline: Document[]): Promise<[Document[], Document[]]> {
    const run = (db: Db) =>
      db.collection('conversations').aggregate(pipeline, { raw: true }).toArray() as Promise<Buffer[]>;
    const [a, b] = await Promise.all([run(nativeDb), run(mingoDb)]);
    const decode = (list: Buffer[]) => list.map((buf) => BSON.deserialize(buf, { promoteValues: false }));
    return [decode(a), decode(b)];
  }

  async function assertSame(pipeline: Document[]): Promise<Document[]> {
    const [a, b] = await both(pipeline);
    assert.deepEqual(a, b, JSON.stringify(pipeline));
    return a;
  }

  it('answers the SLA report identically for every grouping', async () => {
    const from = new Date(Date.UTC(2025, 0, 5));
    const to = new Date(Date.UTC(2025, 1, 20));
    // Inside the range: open complaints fall in every backlog age bucket (and some after `now`).
    const now = new Date(Date.UTC(2025, 1, 1, 12));
    const explained = async (db: Db) =>
      (
        (await db
          .collection('conversations')
          .aggregate(slaReportPipeline('$teamId', from, to, now))
          .explain()) as Loose
      ).nativeStages;
    // $match is the planned query (the index); $group and $sort run natively, or all in mingo.
    assert.equal(await explained(nativeDb), 2);
    assert.equal(await explained(mingoDb), 0);
    for (const field of ['$teamId', '$assigneeId', '$primaryChannel', '$category', '$priority']) {
      const rows = await assertSame(slaReportPipeline(field, from, to, now));
      assert.ok(rows.length >= 3, `${field}: ${rows.length} groups`);
      const count = rows.reduce((n, r) => n + Number((r.count as Int32).value), 0);
      assert.equal(count, (to.getTime() - from.getTime()) / 3_600_000);
    }
    // The counted backlog and CSAT equal the report's earlier reading of per-conversation values.
    const inRange = docs.filter((d) => {
      const at = (d.metrics as { firstInboundAt: Date }).firstInboundAt;
      return at >= from && at < to;
    });
    const expected = { lt1d: 0, d1to3: 0, d3to7: 0, gt7d: 0, responses: 0, sum: 0, satisfied: 0 };
    for (const d of inRange) {
      if (d.category === 'complaint' && !['resolved', 'closed'].includes(d.status as string)) {
        const days =
          (now.getTime() - (d.metrics as { firstInboundAt: Date }).firstInboundAt.getTime()) / 86_400_000;
        expected[days < 1 ? 'lt1d' : days < 3 ? 'd1to3' : days < 7 ? 'd3to7' : 'gt7d']++;
      }
      const score = (d.csat as { score?: Int32 } | null)?.score?.value;
      if (typeof score === 'number') {
        expected.responses++;
        expected.sum += score;
        if (score >= 4) expected.satisfied++;
      }
    }
    const rows = await assertSame(slaReportPipeline('$category', from, to, now));
    const total = (field: string) => rows.reduce((n, r) => n + Number((r[field] as Int32).value), 0);
    assert.deepEqual(
      {
        lt1d: total('backlog_lt1d'),
        d1to3: total('backlog_d1to3'),
        d3to7: total('backlog_d3to7'),
        gt7d: total('backlog_gt7d'),
        responses: total('csatResponses'),
        sum: total('csatSum'),
        satisfied: total('csatSatisfied'),
      },
      expected,
    );
    for (const key of ['lt1d', 'd1to3', 'd3to7', 'gt7d'] as const) assert.ok(expected[key] > 0, key);
  });

  it('answers the other supported stages and accumulators identically', async () => {
    const pipelines: Document[][] = [
      [{ $match: { status: 'open' } }, { $count: 'n' }],
      [{ $count: 'all' }],
      [
        { $match: { priority: 'high' } },
        { $project: { number: 1, status: 1 } },
        { $sort: { number: -1 } },
        { $limit: 5 },
      ],
      [{ $project: { sla: 0, metrics: 0 } }, { $skip: 1490 }],
      [
        {
          $group: {
            _id: { channel: '$primaryChannel', status: '$status' },
            n: { $count: {} },
            avgFrt: { $avg: '$sla.firstResponse.businessMinutes' },
            minFrt: { $min: '$sla.firstResponse.businessMinutes' },
            maxRes: { $max: '$sla.resolution.calendarMinutes' },
            first: { $first: '$number' },
            last: { $last: '$number' },
            firstIn: { $min: '$metrics.firstInboundAt' },
            tags: { $addToSet: '$tags' },
            weights: { $sum: '$weight' },
            p: {
              $percentile: { input: '$sla.resolution.businessMinutes', p: [0.5, 0.9], method: 'approximate' },
            },
            med: { $median: { input: '$sla.firstResponse.calendarMinutes', method: 'approximate' } },
          },
        },
        { $sort: { '_id.channel': 1, '_id.status': -1 } },
      ],
      [{ $match: { category: 'complaint' } }, { $group: { _id: null, docs: { $push: '$$ROOT' } } }],
      [{ $group: { _id: '$priority', n: { $sum: 2 } } }, { $sort: { n: -1, _id: 1 } }, { $limit: 2 }],
      // A stage the native path leaves to mingo, after a native $group.
      [
        { $group: { _id: '$status', n: { $sum: 1 } } },
        { $addFields: { twice: { $multiply: ['$n', 2] } } },
        { $sort: { _id: 1 } },
      ],
    ];
    for (const pipeline of pipelines) await assertSame(pipeline);
  });

  it('answers repeated subexpressions, array paths, nulls, dates and mixed numbers identically', async () => {
    // Each repeated path, path prefix and condition is evaluated once per document on the native path;
    // these pipelines repeat them on values where sharing or the fast comparisons could go wrong.
    // (Arrays nested in arrays on a path, and NaN in $sum/$min or -0 as a group key, are left out: the native path reads them as
    // MongoDB does and mingo does not, as before this test.)
    const day = (d: number) => new Date(Date.UTC(2025, 0, d));
    const odd: Document[] = [
      { _id: 1, g: 'a', items: [{ a: 1 }, { a: 2 }], when: day(1), n: new Int32(3), s: 'é', tags: ['x'] },
      { _id: 2, g: 'a', items: [{ a: 3 }, { b: 1 }, 7], when: day(2), n: new Double(3), s: '𝄞' },
      { _id: 3, g: 'b', items: { a: 4 }, when: null, n: new Long(3), s: '\uffff', tags: [] },
      { _id: 4, g: null, items: [], n: Decimal128.fromString('3.0'), s: 'z', tags: null },
      { _id: 5, items: null, when: day(3), n: new Double(2.5), s: '' },
      { _id: 6, g: 'b', items: [{ a: null }, { a: [1, 2] }], when: day(1), n: new Double(7), s: 'A' },
      { _id: 7, g: 'a', n: new Int32(-1), s: 'ab', when: day(31), tags: ['x', 'y'] },
    ];
    for (const db of [nativeDb, mingoDb])
      await db.collection<Loose>('odd').insertMany(odd.map((d) => ({ ...d })));
    const cond = (c: Document) => ({ $sum: { $cond: [c, 1, 0] } });
    const pipelines: Document[][] = [
      [
        {
          $group: {
            _id: '$g',
            a1: { $push: '$items.a' },
            a2: { $push: '$items.a' },
            items: { $push: '$items' },
            firstA: { $first: '$items.a' },
            nums: { $push: '$n' },
            sumN: { $sum: '$n' },
            minN: { $min: '$n' },
            maxN: { $max: '$n' },
            eq3: cond({ $eq: ['$n', 3] }),
            eq3Again: cond({ $eq: ['$n', 3] }),
            gtNull: cond({ $gt: ['$when', null] }),
            afterDay2: cond({ $gte: ['$when', day(2)] }),
            beforeDay2: cond({ $lt: ['$when', day(2)] }),
            strLt: cond({ $lt: ['$s', 'é'] }),
            strGt: cond({ $gt: ['$s', '\ue000'] }),
            strEq: cond({ $eq: ['$s', 'ab'] }),
            tagged: cond({ $in: ['x', { $ifNull: ['$tags', []] }] }),
            taggedAgain: cond({ $in: ['x', { $ifNull: ['$tags', []] }] }),
            either: cond({ $or: [{ $eq: ['$g', 'a'] }, { $not: ['$when'] }] }),
            when: { $max: '$when' },
            whenFirst: { $min: '$when' },
            fallback: { $push: { $ifNull: ['$items.a', '$s'] } },
          },
        },
        { $sort: { _id: 1 } },
      ],
      [{ $group: { _id: '$when', ids: { $push: '$_id' }, n: { $count: {} } } }, { $sort: { _id: -1 } }],
      [{ $group: { _id: '$n', ids: { $addToSet: '$g' } } }, { $sort: { _id: 1 } }],
      [{ $group: { _id: { g: '$g', a: '$items.a' }, n: { $sum: 1 } } }, { $sort: { _id: 1 } }],
    ];
    for (const pipeline of pipelines) {
      const run = (db: Db) =>
        db.collection('odd').aggregate(pipeline, { raw: true }).toArray() as Promise<Buffer[]>;
      const decode = (list: Buffer[]) => list.map((buf) => BSON.deserialize(buf, { promoteValues: false }));
      const [a, b] = await Promise.all([run(nativeDb), run(mingoDb)]);
      assert.ok(a.length > 0);
      assert.deepEqual(decode(a), decode(b), JSON.stringify(pipeline));
    }
  });

  it('keeps stored types where the mingo path lost them (a projection without _id)', async () => {
    const [a, b] = await both([{ $match: { number: 5 } }, { $project: { weight: 1, _id: 0 } }]);
    assert.ok(a[0]?.weight instanceof Decimal128, 'native: Decimal128 as stored');
    assert.ok(b[0]?.weight instanceof Double, 'mingo: re-typed as a double');
  });

  it('groups a missing key with null as MongoDB does', async () => {
    const db = native.freshDb();
    const c = db.collection<Loose>('k');
    await c.insertMany([{ g: null, v: 1 }, { v: 2 }, { g: 'a', v: 3 }]);
    const rows = await c
      .aggregate([{ $group: { _id: '$g', v: { $sum: '$v' } } }, { $sort: { _id: 1 } }])
      .toArray();
    assert.deepEqual(rows, [
      { _id: null, v: 3 },
      { _id: 'a', v: 3 },
    ]);
  });
});
