/**
 * The planner on the hub's real indexes and the queries its webhook path runs: partial indexes are used
 * when the query implies their filter (and only then), `$elemMatch` bounds every field of a compound
 * multikey index, and every answer equals a collection scan's (a filter wrapped in `$or` cannot use an
 * index, which explain confirms).
 */
import assert from 'node:assert/strict';
import type { Collection, Document } from 'mongodb';
import { useEngine, type Loose } from './engine-fixture';

interface Plan {
  stage: string;
  indexName?: string;
  examined: number;
  returned: number;
}

async function planOf(c: Collection<Loose>, filter: Document): Promise<Plan> {
  const ex: Loose = await c.find(filter).explain('executionStats');
  const plan = ex.queryPlanner.winningPlan;
  const stage = plan.inputStage ?? plan;
  return {
    stage: stage.stage,
    indexName: stage.indexName,
    examined: ex.executionStats.totalDocsExamined,
    returned: ex.executionStats.nReturned,
  };
}

const ids = (docs: Document[]): string[] => docs.map((d) => String(d._id)).sort();

/** The query's answer equals a collection scan's, and the scan really was one. */
async function assertSameAsScan(c: Collection<Loose>, filter: Document): Promise<Document[]> {
  const viaPlanner = await c.find(filter).toArray();
  const scanFilter = { $or: [filter] };
  assert.equal((await planOf(c, scanFilter)).stage, 'COLLSCAN');
  const viaScan = await c.find(scanFilter).toArray();
  assert.deepEqual(ids(viaPlanner), ids(viaScan), `same documents for ${JSON.stringify(filter)}`);
  return viaPlanner;
}

describe('embedded-mongo: planner on partial and multikey indexes', () => {
  const engine = useEngine();

  it('answers the ingest dedupe {channel, externalId} from the partial unique index', async () => {
    const messages = engine.db.collection<Loose>('messages');
    await messages.createIndex(
      { channel: 1, externalId: 1 },
      { unique: true, partialFilterExpression: { externalId: { $exists: true } } },
    );
    await messages.insertMany(
      Array.from({ length: 600 }, (_, i) => ({
        channel: i % 3 === 0 ? 'email' : 'sms',
        // Outbound notes and agent messages have no provider id: outside the partial index.
        ...(i % 4 === 0 ? {} : { externalId: `SM${i}` }),
        body: `m${i}`,
      })),
    );
    const hit = await planOf(messages, { channel: 'sms', externalId: 'SM7' });
    assert.deepEqual(hit, { stage: 'IXSCAN', indexName: 'channel_1_externalId_1', examined: 1, returned: 1 });
    assert.equal((await assertSameAsScan(messages, { channel: 'sms', externalId: 'SM7' })).length, 1);
    assert.equal((await planOf(messages, { channel: 'sms', externalId: 'SM8' })).returned, 0);
    // `externalId: null` also matches documents without the field, which the index does not hold.
    const nullPlan = await planOf(messages, { channel: 'sms', externalId: null });
    assert.equal(nullPlan.stage, 'COLLSCAN');
    assert.equal((await assertSameAsScan(messages, { channel: 'sms', externalId: null })).length, 100);
    // `exists` on the driver side goes through count/limit: same plan, same answer.
    assert.equal(await messages.countDocuments({ channel: 'sms', externalId: 'SM7' }), 1);
    // A channel alone does not imply the filter.
    assert.equal((await planOf(messages, { channel: 'sms' })).stage, 'COLLSCAN');
    // $in of strings implies it too.
    const inPlan = await planOf(messages, { channel: 'sms', externalId: { $in: ['SM1', 'SM2', 'SM9'] } });
    assert.equal(inPlan.stage, 'IXSCAN');
    await assertSameAsScan(messages, { channel: 'sms', externalId: { $in: ['SM1', 'SM2', 'SM9'] } });
  });

  it('uses a {$type: "string"} partial index for string equalities only', async () => {
    const inboxes = engine.db.collection<Loose>('inboxes');
    await inboxes.createIndex(
      { channel: 1, address: 1 },
      { unique: true, partialFilterExpression: { address: { $type: 'string' } } },
    );
    await inboxes.insertMany(
      Array.from({ length: 300 }, (_, i) => ({
        channel: 'sms',
        address: i % 5 === 0 ? null : i % 7 === 0 ? i : `+1555000${i}`,
      })),
    );
    const hit = await planOf(inboxes, { channel: 'sms', address: '+15550001' });
    assert.deepEqual(hit, { stage: 'IXSCAN', indexName: 'channel_1_address_1', examined: 1, returned: 1 });
    // A number is outside the filter ({$type: 'string'}): the index must not answer it.
    assert.equal((await planOf(inboxes, { channel: 'sms', address: 14 })).stage, 'COLLSCAN');
    assert.equal((await assertSameAsScan(inboxes, { channel: 'sms', address: 14 })).length, 1);
    assert.equal((await assertSameAsScan(inboxes, { channel: 'sms', address: null })).length, 60);
    assert.equal((await planOf(inboxes, { channel: 'sms', address: { $gte: '+1555' } })).stage, 'IXSCAN');
    await assertSameAsScan(inboxes, { channel: 'sms', address: { $gte: '+15550002', $lt: '+15550003' } });
  });

  it('looks up conversations by opening key and active chat key through their partial indexes', async () => {
    const conversations = engine.db.collection<Loose>('conversations');
    await conversations.createIndex(
      { openingKey: 1 },
      { unique: true, partialFilterExpression: { openingKey: { $exists: true } } },
    );
    await conversations.createIndex(
      { activeChatKey: 1 },
      { unique: true, partialFilterExpression: { activeChatKey: { $exists: true } } },
    );
    await conversations.insertMany(
      Array.from({ length: 400 }, (_, i) => ({
        number: i,
        ...(i % 2 === 0 ? { openingKey: `sms:+1555${i}` } : {}),
        ...(i % 3 === 0 ? { activeChatKey: `contact${i}` } : {}),
      })),
    );
    const opening = await planOf(conversations, { openingKey: 'sms:+1555100' });
    assert.deepEqual(opening, { stage: 'IXSCAN', indexName: 'openingKey_1', examined: 1, returned: 1 });
    const chat = await planOf(conversations, { activeChatKey: 'contact9' });
    assert.deepEqual(chat, { stage: 'IXSCAN', indexName: 'activeChatKey_1', examined: 1, returned: 1 });
    await assertSameAsScan(conversations, { openingKey: 'sms:+1555100' });
    await assertSameAsScan(conversations, { activeChatKey: 'contact10' });
    // `$exists: true` is the filter itself: the index answers it.
    const all = await planOf(conversations, { openingKey: { $exists: true } });
    assert.equal(all.stage, 'IXSCAN');
    assert.equal((await assertSameAsScan(conversations, { openingKey: { $exists: true } })).length, 200);
    assert.equal((await planOf(conversations, { openingKey: { $exists: false } })).stage, 'COLLSCAN');
    assert.equal((await assertSameAsScan(conversations, { openingKey: { $exists: false } })).length, 200);
  });

  it('bounds both fields of the multikey identities index with $elemMatch (the contact lookup)', async () => {
    const contacts = engine.db.collection<Loose>('contacts');
    await contacts.createIndex(
      { 'identities.channel': 1, 'identities.externalId': 1 },
      { unique: true, partialFilterExpression: { 'identities.channel': { $exists: true } } },
    );
    await contacts.insertMany(
      Array.from({ length: 500 }, (_, i) => ({
        name: `c${i}`,
        identities:
          i % 10 === 0
            ? []
            : [
                { channel: 'sms', externalId: `+8613800${i}` },
                { channel: 'whatsapp', externalId: `+8613900${i}` },
              ],
      })),
    );
    await contacts.insertOne({ name: 'no identities field' });
    // The shape contacts.service sends.
    const lookup = (channel: string, externalId: string): Document => ({
      'identities.channel': channel,
      identities: { $elemMatch: { channel, externalId } },
    });
    const hit = await planOf(contacts, lookup('sms', '+861380017'));
    assert.deepEqual(hit, {
      stage: 'IXSCAN',
      indexName: 'identities.channel_1_identities.externalId_1',
      examined: 1,
      returned: 1,
    });
    assert.equal((await assertSameAsScan(contacts, lookup('sms', '+861380017'))).length, 1);
    // $elemMatch never matches a plain document, though the index keys its pair.
    await contacts.insertOne({ name: 'plain', identities: { channel: 'sms', externalId: '+8613800999' } });
    assert.equal((await assertSameAsScan(contacts, lookup('sms', '+8613800999'))).length, 0);
    // An element whose fields hold arrays matches on any of their values.
    await contacts.insertOne({
      name: 'arrays',
      identities: [{ channel: ['sms', 'mms'], externalId: ['+8613800777', '+8613800778'] }],
    });
    assert.equal((await assertSameAsScan(contacts, lookup('sms', '+8613800778'))).length, 1);
    // One element's channel with another's id: not a match, whatever the index holds.
    assert.equal((await assertSameAsScan(contacts, lookup('sms', '+861390017'))).length, 0);
    const elemOnly = { identities: { $elemMatch: { channel: 'whatsapp', externalId: '+861390023' } } };
    assert.equal((await planOf(contacts, elemOnly)).examined, 1);
    assert.equal((await assertSameAsScan(contacts, elemOnly)).length, 1);
    // Without $elemMatch the two fields may come from different elements: only the leading one bounds.
    const loose = { 'identities.channel': 'sms', 'identities.externalId': '+861390023' };
    const loosePlan = await planOf(contacts, loose);
    assert.equal(loosePlan.stage, 'IXSCAN');
    assert.ok(loosePlan.examined > 100, `leading field only (examined ${loosePlan.examined})`);
    assert.equal((await assertSameAsScan(contacts, loose)).length, 1);
  });

  it('uses one bound only for a range on an array field (two elements may satisfy one side each)', async () => {
    const c = engine.db.collection<Loose>('ranges');
    await c.createIndex({ scores: 1 });
    await c.createIndex({ 'items.kind': 1, 'items.n': 1 });
    await c.insertMany([
      { _id: 1, scores: [1, 20], items: [{ kind: 'a', n: [0, 10] }] },
      { _id: 2, scores: [7], items: [{ kind: 'a', n: 7 }] },
      { _id: 3, scores: [30, 40], items: [{ kind: 'b', n: 7 }] },
      { _id: 4, scores: 8, items: [] },
    ]);
    const between = { scores: { $gt: 5, $lt: 10 } };
    assert.equal((await planOf(c, between)).stage, 'IXSCAN');
    assert.deepEqual(ids(await assertSameAsScan(c, between)), ['1', '2', '4']);
    const inElement = { items: { $elemMatch: { kind: 'a', n: { $gt: 5, $lt: 9 } } } };
    assert.equal((await planOf(c, inElement)).stage, 'IXSCAN');
    assert.deepEqual(ids(await assertSameAsScan(c, inElement)), ['1', '2']);
  });

  it('uses a date-typed partial index (settled offers) for a date range, not for other types', async () => {
    const offers = engine.db.collection<Loose>('offers');
    await offers.createIndex({ closedAt: 1 }, { partialFilterExpression: { closedAt: { $type: 'date' } } });
    const base = Date.UTC(2025, 0, 1);
    await offers.insertMany(
      Array.from({ length: 200 }, (_, i) => ({
        closedAt: i % 2 === 0 ? null : i % 5 === 0 ? base + i : new Date(base + i * 60_000),
      })),
    );
    const byDate = { closedAt: { $lt: new Date(base + 50 * 60_000) } };
    assert.equal((await planOf(offers, byDate)).stage, 'IXSCAN');
    assert.equal((await assertSameAsScan(offers, byDate)).length, 20);
    const byNumber = { closedAt: { $lt: base + 100 } };
    assert.equal((await planOf(offers, byNumber)).stage, 'COLLSCAN');
    assert.equal((await assertSameAsScan(offers, byNumber)).length, 10);
  });

  it('uses a partial index on the write path too (update and delete by a partial key)', async () => {
    const conversations = engine.db.collection<Loose>('conv_writes');
    await conversations.createIndex(
      { openingKey: 1 },
      { unique: true, partialFilterExpression: { openingKey: { $exists: true } } },
    );
    await conversations.insertMany(Array.from({ length: 50 }, (_, i) => ({ openingKey: `k${i}`, n: 0 })));
    await conversations.insertMany(Array.from({ length: 50 }, () => ({ n: 0 })));
    const res = await conversations.findOneAndUpdate(
      { openingKey: 'k3' },
      { $inc: { n: 1 }, $unset: { openingKey: '' } },
      { returnDocument: 'after' },
    );
    assert.equal(res?.n, 1);
    assert.equal(await conversations.countDocuments({ openingKey: 'k3' }), 0);
    assert.equal(await conversations.countDocuments({ openingKey: { $exists: false } }), 51);
    const del = await conversations.deleteOne({ openingKey: 'k4' });
    assert.equal(del.deletedCount, 1);
    assert.equal(await conversations.countDocuments({}), 99);
  });
});
