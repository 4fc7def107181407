import assert from 'node:assert/strict';
import { MongoServerError, type Db } from 'mongodb';
import { startFixture, type EngineFixture, type Loose } from './engine-fixture';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 2, 1);

describe('embedded-mongo: aggregation', () => {
  let fx: EngineFixture;
  let db: Db;
  before(async () => {
    fx = await startFixture();
    db = fx.freshDb();
    await db.collection<Loose>('teams').insertMany([
      { _id: 't1', name: 'Support' },
      { _id: 't2', name: 'Sales' },
    ]);
    await db.collection<Loose>('conversations').insertMany(
      Array.from({ length: 40 }, (_, i) => ({
        _id: i,
        team: i % 4 === 0 ? 't2' : 't1',
        status: i % 3 === 0 ? 'resolved' : 'open',
        channel: ['sms', 'email', 'chat'][i % 3],
        createdAt: new Date(T0 + (i % 10) * DAY + i * 1000),
        resolutionMinutes: i * 10,
      })),
    );
  });
  after(async () => {
    await fx.close();
  });

  it('groups a date range by team with counts and averages ($match + $group + $sort)', async () => {
    const rows = await db
      .collection<Loose>('conversations')
      .aggregate([
        { $match: { createdAt: { $gte: new Date(T0), $lt: new Date(T0 + 5 * DAY) } } },
        {
          $group: {
            _id: '$team',
            n: { $sum: 1 },
            avg: { $avg: '$resolutionMinutes' },
            max: { $max: '$resolutionMinutes' },
          },
        },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    // Days 0-4 hold i % 10 in 0..4: i = 0..4, 10..14, 20..24, 30..34.
    const ids = [0, 1, 2, 3, 4, 10, 11, 12, 13, 14, 20, 21, 22, 23, 24, 30, 31, 32, 33, 34];
    const t2 = ids.filter((i) => i % 4 === 0);
    const t1 = ids.filter((i) => i % 4 !== 0);
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b * 10, 0) / xs.length;
    assert.deepEqual(rows, [
      { _id: 't1', n: t1.length, avg: avg(t1), max: Math.max(...t1) * 10 },
      { _id: 't2', n: t2.length, avg: avg(t2), max: Math.max(...t2) * 10 },
    ]);
  });

  it('counts documents the way countDocuments does', async () => {
    const c = db.collection<Loose>('conversations');
    assert.equal(await c.countDocuments({ status: 'resolved' }), 14);
    assert.equal(await c.countDocuments({ status: 'resolved' }, { limit: 5 }), 5);
    assert.equal(await c.countDocuments({ status: 'nope' }), 0);
  });

  it('joins with $lookup (simple and pipeline forms) and unwinds', async () => {
    const rows = await db
      .collection<Loose>('conversations')
      .aggregate([
        { $match: { _id: { $in: [0, 1] } } },
        { $lookup: { from: 'teams', localField: 'team', foreignField: '_id', as: 'teamDoc' } },
        { $unwind: '$teamDoc' },
        { $project: { _id: 1, teamName: '$teamDoc.name' } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    assert.deepEqual(rows, [
      { _id: 0, teamName: 'Sales' },
      { _id: 1, teamName: 'Support' },
    ]);
    const piped = await db
      .collection<Loose>('teams')
      .aggregate([
        {
          $lookup: {
            from: 'conversations',
            let: { t: '$_id' },
            pipeline: [{ $match: { $expr: { $eq: ['$team', '$$t'] } } }, { $count: 'n' }],
            as: 'c',
          },
        },
        { $project: { n: { $first: '$c.n' } } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    assert.deepEqual(piped, [
      { _id: 't1', n: 30 },
      { _id: 't2', n: 10 },
    ]);
  });

  it('runs $facet and $bucket', async () => {
    const [facets] = await db
      .collection<Loose>('conversations')
      .aggregate([
        {
          $facet: {
            byChannel: [{ $sortByCount: '$channel' }],
            buckets: [
              {
                $bucket: {
                  groupBy: '$resolutionMinutes',
                  boundaries: [0, 100, 200, 400],
                  default: 'other',
                  output: { n: { $sum: 1 } },
                },
              },
            ],
          },
        },
      ])
      .toArray();
    assert.deepEqual(
      [...facets!.byChannel].sort((a: Loose, b: Loose) => a._id.localeCompare(b._id)),
      [
        { _id: 'chat', count: 13 },
        { _id: 'email', count: 13 },
        { _id: 'sms', count: 14 },
      ],
    );
    assert.deepEqual(facets!.buckets, [
      { _id: 0, n: 10 },
      { _id: 100, n: 10 },
      { _id: 200, n: 20 },
    ]);
  });

  it('computes date parts and truncations', async () => {
    const rows = await db
      .collection<Loose>('conversations')
      .aggregate([
        { $match: { _id: 13 } },
        {
          $project: {
            _id: 0,
            day: { $dayOfMonth: '$createdAt' },
            month: { $month: '$createdAt' },
            label: { $dateToString: { format: '%Y-%m-%d', date: '$createdAt' } },
            week: { $dateTrunc: { date: '$createdAt', unit: 'day' } },
            hour: { $hour: { date: '$createdAt', timezone: 'Asia/Shanghai' } },
          },
        },
      ])
      .toArray();
    assert.deepEqual(rows, [
      { day: 4, month: 3, label: '2024-03-04', week: new Date(T0 + 3 * DAY), hour: 8 },
    ]);
  });

  it('computes $median and $percentile', async () => {
    const [row] = await db
      .collection<Loose>('conversations')
      .aggregate([
        {
          $group: {
            _id: null,
            median: { $median: { input: '$resolutionMinutes', method: 'approximate' } },
            p: { $percentile: { input: '$resolutionMinutes', p: [0.5, 0.9], method: 'approximate' } },
          },
        },
      ])
      .toArray();
    assert.equal(row!.median, 190);
    assert.deepEqual(row!.p, [190, 350]);
  });

  it('writes results with $out and leaves stored documents untouched by pipeline stages', async () => {
    const c = db.collection<Loose>('conversations');
    await c
      .aggregate([{ $match: { team: 't2' } }, { $addFields: { flagged: true } }, { $out: 'flagged' }])
      .toArray();
    assert.equal(await db.collection<Loose>('flagged').countDocuments({ flagged: true }), 10);
    assert.equal(await c.countDocuments({ flagged: { $exists: true } }), 0);
    await c.aggregate([{ $set: { status: 'mutated' } }, { $unset: 'team' }]).toArray();
    assert.equal(await c.countDocuments({ status: 'mutated' }), 0);
    assert.equal(await c.countDocuments({ team: { $exists: true } }), 40);
  });

  it('explains a pipeline whose leading $match uses an index', async () => {
    const c = db.collection<Loose>('conversations');
    await c.createIndex({ createdAt: 1 });
    const plan = await c
      .aggregate([{ $match: { createdAt: { $gte: new Date(T0) } } }, { $count: 'n' }])
      .explain();
    assert.match(JSON.stringify(plan), /IXSCAN createdAt_1/);
    const [row] = await c
      .aggregate([{ $match: { createdAt: { $gte: new Date(T0 + 9 * DAY) } } }, { $count: 'n' }])
      .toArray();
    assert.equal(row!.n, 4);
  });

  it('rejects malformed pipelines with an error reply, not a hang', async () => {
    await assert.rejects(
      db
        .collection<Loose>('conversations')
        .aggregate([{ $nope: {} }])
        .toArray(),
      MongoServerError,
    );
    await assert.rejects(
      db
        .collection<Loose>('conversations')
        .aggregate([{ $match: {}, $sort: {} } as Loose])
        .toArray(),
      MongoServerError,
    );
  });
});
