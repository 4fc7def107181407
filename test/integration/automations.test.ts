import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { ObjectId } from 'mongodb';
import { createManualClock } from '../../server/lib/clock';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { call, inbound, loginAs } from './conversations-support';

const at = (iso: string) => DateTime.fromISO(iso, { zone: 'Asia/Shanghai' }).toJSDate();

describe('automations (integration, manual clock)', function () {
  this.timeout(60_000);
  let running: RunningTestHub;
  const clock = createManualClock(at('2026-09-28T09:00'));
  let admin: string;
  let supervisor: string;
  let agent: { token: string; agentId: string };
  let phone = 0;
  const hub = () => running.hub;
  const automations = () => hub().automations;

  async function customerWrites(
    options: { text?: string; tier?: 'VIP' | 'A' | 'B' | 'C'; tags?: string[] } = {},
  ) {
    const from = `+86135${String(++phone).padStart(8, '0')}`;
    const { conversationId } = await hub().ingest.ingest(
      inbound({
        occurredAt: clock.now(),
        from: { externalId: from, phone: from },
        text: options.text ?? 'hello',
      }),
    );
    const contactId = (await hub().conversations.conversations.getConversation(conversationId)).contactId;
    if (options.tier) await hub().contacts.contacts.updateContact(contactId, { tier: options.tier });
    if (options.tags)
      await hub().conversations.conversations.updateTags(conversationId, { add: options.tags, remove: [] });
    return { conversationId, contactId, from };
  }
  const notes = (conversationId: string) =>
    hub().connection.collection('messages').countDocuments({ conversationId, kind: 'note' });
  const conversation = async (id: string) =>
    (await hub()
      .connection.collection('conversations')
      .findOne({ _id: new ObjectId(id) }))!;
  async function createRule(body: unknown) {
    const created = await call(running.baseUrl, 'POST', '/api/automations', { token: admin, body });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body as { id: string };
  }
  /** Runs every waiting automation job (what the worker does), until none is left or `max` ran. */
  async function drain(max = 200) {
    let ran = 0;
    for (;;) {
      const waiting = await automations().queue.getJobs(['waiting', 'delayed'], 0, 50);
      if (waiting.length === 0 || ran >= max) return ran;
      for (const job of waiting) {
        await job.remove();
        await automations().processJob(job.data);
        ran += 1;
      }
    }
  }

  before(async () => {
    running = await startTestHub({
      clock,
      runWorkers: false,
      configOverrides: {
        SLA_SWEEP_INTERVAL_MS: '0',
        ACCESS_TOKEN_TTL_SECONDS: String(10 * 365 * 24 * 3600),
        AUTOMATION_LOOP_CAP: '3',
      },
    });
    admin = (await loginAs(running, { email: 'admin@auto.test', role: 'admin' })).token;
    supervisor = (await loginAs(running, { email: 'sup@auto.test', role: 'supervisor' })).token;
    agent = await loginAs(running, { email: 'agent@auto.test' });
  });
  after(async () => running?.close());
  afterEach(async () => {
    for (const rule of (await automations().rules.list()) as { id: string }[])
      await automations().rules.remove(rule.id);
    await drain();
  });

  it('answers supervisors and admins, lets only admins write, and refuses agents', async () => {
    assert.equal((await call(running.baseUrl, 'GET', '/api/automations', { token: admin })).status, 200);
    assert.equal((await call(running.baseUrl, 'GET', '/api/automations', { token: supervisor })).status, 200);
    assert.equal(
      (await call(running.baseUrl, 'GET', '/api/automations', { token: agent.token })).status,
      403,
    );
    const body = {
      name: 'x',
      trigger: { type: 'event', event: 'conversation.created' },
      actions: [{ type: 'add_note', text: 'x' }],
    };
    assert.equal(
      (await call(running.baseUrl, 'POST', '/api/automations', { token: supervisor, body })).status,
      403,
    );
    const invalid = await call(running.baseUrl, 'POST', '/api/automations', {
      token: admin,
      body: { ...body, conditions: [{ field: 'conversation.password', op: 'eq', value: 1 }] },
    });
    assert.equal(invalid.status, 400);
  });

  it('fires a rule once per event even when its job runs twice', async () => {
    await createRule({
      name: 'VIP first',
      trigger: { type: 'event', event: 'message.received' },
      conditions: [{ field: 'message.text', op: 'contains', value: '退款' }],
      actions: [
        { type: 'set_priority', priority: 'high' },
        { type: 'add_tags', tags: ['refund'] },
        { type: 'add_note', text: 'Refund request: check the order.' },
      ],
    });
    const { conversationId } = await customerWrites({ text: '我要退款' });
    const [job] = await automations()
      .queue.getJobs(['waiting'], 0, 50)
      .then((jobs) => jobs.filter((j) => j.data.kind === 'event' && j.data.event === 'message.received'));
    assert.ok(job, 'the message.received job was queued');
    await automations().processJob(job.data);
    await automations().processJob(job.data);
    assert.equal(await notes(conversationId), 1);
    const stored = await conversation(conversationId);
    assert.equal(stored.priority, 'high');
    assert.deepEqual(stored.tags, ['refund']);
    const other = await customerWrites({ text: '你好' });
    await drain();
    assert.equal(await notes(other.conversationId), 0, 'conditions not met: nothing runs');
  });

  it('never runs on automated mail', async () => {
    await createRule({
      name: 'any message',
      trigger: { type: 'event', event: 'message.received' },
      actions: [{ type: 'add_note', text: 'seen' }],
    });
    const { conversationId, contactId } = await customerWrites();
    await drain();
    assert.equal(await notes(conversationId), 1);
    await hub().events.emit('message.received', {
      conversationId,
      messageId: new ObjectId().toHexString(),
      contactId,
      channel: 'email',
      isNewConversation: false,
      isAutomated: true,
    });
    assert.equal(await drain(), 0, 'no job for an auto-reply');
    assert.equal(await notes(conversationId), 1);
  });

  it('stops a rule that triggers itself at the loop cap', async () => {
    const up = await createRule({
      name: 'ping',
      order: 1,
      trigger: { type: 'event', event: 'conversation.priority_changed' },
      conditions: [{ field: 'conversation.priority', op: 'eq', value: 'high' }],
      actions: [{ type: 'set_priority', priority: 'urgent' }],
    });
    const down = await createRule({
      name: 'pong',
      order: 2,
      trigger: { type: 'event', event: 'conversation.priority_changed' },
      conditions: [{ field: 'conversation.priority', op: 'eq', value: 'urgent' }],
      actions: [{ type: 'set_priority', priority: 'high' }],
    });
    const { conversationId } = await customerWrites();
    await hub().conversations.conversations.setPriority(conversationId, 'high');
    const ran = await drain(500);
    assert.ok(ran < 500, 'the loop ended by itself');
    const runs = hub().connection.collection('automation_runs');
    for (const rule of [up, down]) {
      assert.equal(await runs.countDocuments({ ruleId: rule.id, conversationId, outcome: 'matched' }), 3);
      assert.ok(
        (await runs.countDocuments({ ruleId: rule.id, conversationId, outcome: 'loop_capped' })) >= 1,
      );
    }
  });

  it('fires a no-reply time trigger once with a deterministic job id, and not when the customer answered', async () => {
    const rule = await createRule({
      name: 'nudge',
      trigger: { type: 'no_customer_reply', minutes: 30 },
      actions: [{ type: 'add_note', text: 'No answer for 30 minutes: follow up.' }],
    });
    const quiet = await customerWrites();
    const answered = await customerWrites();
    clock.advance(60_000);
    const replies: Record<string, string> = {};
    for (const id of [quiet.conversationId, answered.conversationId]) {
      const reply = await hub().conversations.timeline.createReply({
        conversationId: id,
        authorId: agent.agentId,
        text: 'Could you send the order number?',
        isPrivate: false,
      });
      replies[id] = String(reply._id);
    }
    const job = await automations().queue.getJob(
      `auto:${rule.id}:no-reply:${quiet.conversationId}:${replies[quiet.conversationId]}`,
    );
    assert.ok(job, 'the delayed job has its deterministic id');
    assert.equal(job.opts.delay, 30 * 60_000);
    clock.advance(31 * 60_000);
    await hub().ingest.ingest(
      inbound({
        occurredAt: clock.now(),
        from: { externalId: answered.from, phone: answered.from },
        text: 'A123',
      }),
    );
    const before = {
      quiet: await notes(quiet.conversationId),
      answered: await notes(answered.conversationId),
    };
    await drain();
    await automations().processJob(job.data);
    assert.equal(await notes(quiet.conversationId), before.quiet + 1, 'fired once');
    assert.equal(await notes(answered.conversationId), before.answered, 'the customer answered: not fired');
  });

  it('dry-runs conditions over the last 30 days exactly as an independent computation', async () => {
    clock.set(at('2026-08-01T10:00'));
    await customerWrites({ tier: 'VIP', tags: ['refund'] }); // older than 30 days at the check
    clock.set(at('2026-09-20T10:00'));
    const seeded = [
      await customerWrites({ tier: 'VIP', tags: ['refund'] }),
      await customerWrites({ tier: 'VIP' }),
      await customerWrites({ tier: 'A', tags: ['refund'] }),
      await customerWrites({ tags: ['refund', 'late'] }),
      await customerWrites({ tier: 'VIP', tags: ['late', 'refund'] }),
    ];
    clock.set(at('2026-09-28T12:00'));
    const conditions = [
      { field: 'contact.tier', op: 'in', value: ['VIP', 'A'] },
      { field: 'conversation.tags', op: 'eq', value: 'refund' },
    ];
    const result = await call(running.baseUrl, 'POST', '/api/automations/dry-run', {
      token: supervisor,
      body: { conditions },
    });
    assert.equal(result.status, 200, JSON.stringify(result.body));
    // Independently: every conversation created since 2026-08-29 12:00 whose contact is VIP or A and tagged refund.
    const since = clock.now().getTime() - 30 * 86_400_000;
    const expected: string[] = [];
    for (const doc of await hub().connection.collection('conversations').find({}).toArray()) {
      if ((doc.createdAt as Date).getTime() < since) continue;
      const contact = await hub()
        .connection.collection('contacts')
        .findOne({ _id: new ObjectId(String(doc.contactId)) });
      if (['VIP', 'A'].includes(String(contact?.tier)) && (doc.tags as string[]).includes('refund'))
        expected.push(String(doc._id));
    }
    const matched = result.body.matched.map((m: { id: string }) => m.id).sort();
    assert.deepEqual(matched, expected.sort());
    assert.ok(matched.includes(seeded[0]!.conversationId) && matched.includes(seeded[2]!.conversationId));
    assert.ok(!matched.includes(seeded[1]!.conversationId));
  });
});
