import assert from 'node:assert/strict';
import { scaled } from '../support/test-scale';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { inbound, loginAs } from './conversations-support';
import { allRowErrors, getJson, upload, waitForImport } from './imports-support';

/**
 * 200 contacts and 1,000 orders (2,000 and 10,000 with TEST_SCALE=10): enough for all five RFM quintiles,
 * all three ABC tiers and every kind of bad row.
 */
const CONTACTS = scaled(200, 10);
const ORDERS = scaled(1_000, 200);
/** Buyers are contacts 1..BUYERS: the rest have no orders. */
const BUYERS = (CONTACTS * 9) / 10;
const emailOf = (k: number) => `buyer${k}@example.com`;
const phoneOf = (k: number) => `+86137${String(k).padStart(8, '0')}`;

/** A small seeded generator (mulberry32): the same orders on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Order {
  buyer: number;
  placedAt: Date;
  minor: number;
}

/** ORDERS good orders over buyers 1..BUYERS (skewed: a few buy often), and a bad row every 200 orders. */
function ordersFile(): { csv: string; orders: Order[]; badRows: number[] } {
  const next = random(42);
  const lines = ['orderId,email,phone,placedAt,amount,currency'];
  const orders: Order[] = [];
  const badRows: number[] = [];
  const bad = [
    () => `bad-a,nobody@example.com,,2026-03-01,10.00,`,
    () => `bad-b,${emailOf(1)},,2026-03-01,-5,`,
    () => `bad-c,${emailOf(1)},,yesterday,10.00,`,
    () => `bad-d,${emailOf(1)},,2026-03-01,10.00,USD`,
    () => `,${emailOf(1)},,2026-03-01,10.00,`,
  ];
  let row = 0;
  for (let i = 0; i < ORDERS; i++) {
    if (i % 200 === 100) {
      row++;
      badRows.push(row);
      lines.push(bad[badRows.length % bad.length]!());
    }
    const buyer = 1 + Math.floor(BUYERS * next() ** 2);
    const placedAt = new Date(Date.UTC(2025, 0, 1) + Math.floor(next() * 600 * 86_400_000));
    const minor = 100 + Math.floor(next() * 99_900);
    orders.push({ buyer, placedAt, minor });
    const amount = `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
    // Every tenth order names its buyer by phone in national format: resolution finds the contact.
    const key = i % 10 === 0 ? `,${phoneOf(buyer).slice(3)}` : `${emailOf(buyer)},`;
    lines.push(`ORD-${i},${key},${placedAt.toISOString()},${amount},${i % 3 === 0 ? 'cny' : ''}`);
    row++;
  }
  return { csv: `${lines.join('\n')}\n`, orders, badRows };
}

/** The test's own RFM: naive counting over the generated orders, the segment grid written out. */
function expectedRfm(orders: Order[]) {
  const byBuyer = new Map<number, { last: number; f: number; m: number }>();
  for (const order of orders) {
    const entry = byBuyer.get(order.buyer) ?? { last: 0, f: 0, m: 0 };
    entry.last = Math.max(entry.last, order.placedAt.getTime());
    entry.f += 1;
    entry.m += order.minor;
    byBuyer.set(order.buyer, entry);
  }
  const all = [...byBuyer.values()];
  const n = all.length;
  const total = all.reduce((sum, item) => sum + item.m, 0);
  const grid: Record<number, string[]> = {
    // f = 1 … 5
    5: ['new_customer', 'potential_loyalist', 'potential_loyalist', 'champions', 'champions'],
    4: ['promising', 'potential_loyalist', 'potential_loyalist', 'champions', 'champions'],
    3: ['about_to_sleep', 'need_attention', 'need_attention', 'loyal', 'loyal'],
    2: ['hibernating', 'hibernating', 'at_risk', 'at_risk', 'cant_lose'],
    1: ['lost', 'lost', 'at_risk', 'at_risk', 'cant_lose'],
  };
  const expected = new Map<number, { r: number; f: number; m: number; segment: string; tier: string }>();
  for (const [buyer, item] of byBuyer) {
    const r = 1 + Math.floor((5 * all.filter((other) => other.last < item.last).length) / n);
    const f = 1 + Math.floor((5 * all.filter((other) => other.f < item.f).length) / n);
    const m = 1 + Math.floor((5 * all.filter((other) => other.m < item.m).length) / n);
    const ahead = all.filter((other) => other.m > item.m).reduce((sum, other) => sum + other.m, 0);
    const tier = ahead * 100 < 80 * total ? 'A' : ahead * 100 < 95 * total ? 'B' : 'C';
    expected.set(buyer, { r, f, m, segment: grid[r]![f - 1]!, tier });
  }
  return { expected, byBuyer };
}

describe('tiers: orders import, RFM and ABC', function () {
  this.timeout(Math.max(120_000, ORDERS * 60));
  let running: RunningTestHub;
  let admin: string;
  let agent: string;
  const idOfBuyer = new Map<number, string>();

  before(async () => {
    running = await startTestHub({
      configOverrides: {
        // Polling the jobs would use up the default per-minute API budget.
        API_RATE_LIMIT_PER_MINUTE: '100000',
        IMPORT_MAX_BYTES: String(4 * 1024 * 1024),
      },
    });
    admin = (await loginAs(running, { email: 'admin@example.com', role: 'admin' })).token;
    agent = (await loginAs(running, { email: 'agent@example.com', role: 'agent' })).token;
    const contacts = ['name,email,phone'];
    for (let k = 1; k <= CONTACTS; k++) contacts.push(`Buyer ${k},${emailOf(k)},${phoneOf(k)}`);
    const started = await upload(running.baseUrl, admin, '/api/imports/contacts', contacts.join('\n'));
    const { job } = await waitForImport(running.baseUrl, admin, started.body.id);
    assert.equal(job.counts.created, CONTACTS);
    const docs = await running.hub.connection
      .collection('contacts')
      .find({}, { projection: { emails: 1 } })
      .toArray();
    for (const doc of docs)
      idOfBuyer.set(Number(/buyer(\d+)@/.exec(String(doc.emails[0]))![1]), String(doc._id));
    // An admin's VIP decision is kept whatever the orders say.
    await running.hub.contacts.contacts.updateContact(idOfBuyer.get(1)!, { tier: 'VIP' });
  });
  after(async () => {
    await running.close();
  });

  it(`imports ${ORDERS} orders with bad rows (the good ones stored, each bad one reported) and then scores every buyer exactly as an independent computation does`, async () => {
    const { csv, orders, badRows } = ordersFile();
    const started = await upload(running.baseUrl, admin, '/api/imports/orders', csv);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const { job } = await waitForImport(running.baseUrl, admin, started.body.id);
    assert.equal(job.status, 'completed', job.failure);
    assert.deepEqual(job.counts, { created: ORDERS, updated: 0, failed: badRows.length });
    const errors = await allRowErrors(running.baseUrl, admin, started.body.id);
    assert.deepEqual(
      errors.map((error) => error.row),
      badRows,
    );
    assert.deepEqual(
      new Set(errors.map((error) => error.field)),
      new Set(['email', 'amount', 'placedAt', 'currency', 'orderId']),
    );
    assert.ok(errors.some((error) => /no contact has this email/.test(error.message)));

    const { expected, byBuyer } = expectedRfm(orders);
    const rfm = running.hub.connection.collection('contact_rfm');
    // The import asked a worker to recompute; wait for it.
    for (let i = 0; (await rfm.countDocuments({})) < expected.size; i++) {
      assert.ok(i < 600, 'tiers were not recomputed after the import');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(await rfm.countDocuments({}), expected.size);
    const contacts = running.hub.connection.collection('contacts');
    for (const [buyer, want] of expected) {
      const contactId = idOfBuyer.get(buyer)!;
      const stored = await rfm.findOne({ _id: contactId as never });
      assert.ok(stored, `scores of buyer ${buyer}`);
      assert.deepEqual(
        { r: stored.r, f: stored.f, m: stored.m, segment: stored.segment, tier: stored.tier },
        want,
        `buyer ${buyer}`,
      );
      assert.equal(stored.frequency, byBuyer.get(buyer)!.f);
      assert.equal(stored.monetaryMinor, byBuyer.get(buyer)!.m);
      const contact = await contacts.findOne({
        _id: new (await import('mongoose')).Types.ObjectId(contactId),
      });
      assert.equal(contact!.rfmSegment, want.segment);
      assert.equal(contact!.tier, buyer === 1 ? 'VIP' : want.tier, `tier of buyer ${buyer}`);
    }
    const tiers = new Set([...expected.values()].map((item) => item.tier));
    assert.deepEqual([...tiers].sort(), ['A', 'B', 'C'], 'the data spans all three tiers');
    const unscored = await contacts.countDocuments({ tier: null });
    assert.equal(unscored, CONTACTS - expected.size, 'buyers without orders keep no tier');

    const again = await running.hub.tiers.tiers.recompute();
    assert.equal(again.changed, 0, 'recomputing unchanged orders changes nothing');

    const reimport = await upload(running.baseUrl, admin, '/api/imports/orders', csv);
    const reimported = (await waitForImport(running.baseUrl, admin, reimport.body.id)).job;
    assert.deepEqual(reimported.counts, { created: 0, updated: ORDERS, failed: badRows.length });
    assert.equal(await running.hub.connection.collection('orders').countDocuments({}), ORDERS);
  });

  it('feeds the computed tier to routing and SLA: a new conversation of a tier-A buyer carries tier A', async () => {
    const rfm = running.hub.connection.collection('contact_rfm');
    const topA = await rfm
      .find({ tier: 'A', _id: { $ne: idOfBuyer.get(1)! as never } })
      .limit(1)
      .next();
    assert.ok(topA);
    const buyer = [...idOfBuyer].find(([, id]) => id === String(topA._id))![0];
    const { conversationId } = await running.hub.ingest.ingest(
      inbound({ from: { externalId: phoneOf(buyer), phone: phoneOf(buyer) }, text: 'where is my order?' }),
    );
    const conversation = await running.hub.conversations.conversations.getConversation(conversationId);
    assert.equal(conversation.contactId, String(topA._id));
    assert.equal(conversation.contactTier, 'A');
  });

  it('shows the scores on the contact, lets admins only recompute, and schedules the recomputation', async () => {
    const contactId = idOfBuyer.get(2)!;
    const detail = await getJson(running.baseUrl, agent, `/api/contacts/${contactId}`);
    assert.equal(detail.status, 200);
    const direct = await getJson(running.baseUrl, agent, `/api/tiers/contacts/${contactId}`);
    assert.equal(direct.status, 200);
    assert.deepEqual(detail.body.sections.tiers, direct.body);
    assert.match(direct.body.score, /^[1-5]{3}$/);
    assert.equal(direct.body.currency, 'CNY');
    const noOrders = idOfBuyer.get(CONTACTS)!;
    assert.equal((await getJson(running.baseUrl, agent, `/api/tiers/contacts/${noOrders}`)).status, 404);

    const asAgent = await fetch(`${running.baseUrl}/api/tiers/recompute`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agent}` },
    });
    assert.equal(asAgent.status, 403);
    const asAdmin = await fetch(`${running.baseUrl}/api/tiers/recompute`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
    });
    assert.equal(asAdmin.status, 202);
    const repeatable = await running.hub.queues.queue('tiers').getRepeatableJobs();
    assert.deepEqual(
      repeatable.map((job) => [job.cron, job.tz]),
      [['30 3 * * *', 'Asia/Shanghai']],
    );
  });
});
