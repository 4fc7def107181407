import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { ObjectId } from 'mongodb';
import { createManualClock } from '../../server/lib/clock';
import { timerJobId, SLA_QUEUE } from '../../server/modules/sla';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { call, createTeam, inbound, loginAs, nextId } from './conversations-support';

/** Monday 28 September 2026 in Shanghai. */
const at = (time: string, date = '2026-09-28') =>
  DateTime.fromISO(`${date}T${time}`, { zone: 'Asia/Shanghai' }).toJSDate();
const shift = [
  { start: '09:00', end: '12:00' },
  { start: '13:30', end: '18:00' },
];

describe('SLA engine (integration, manual clock)', () => {
  let running: RunningTestHub;
  const clock = createManualClock(at('08:00'));
  let admin: { token: string; agentId: string };
  let supervisor: { token: string; agentId: string };
  let lead: { token: string; agentId: string };
  let agent: { token: string; agentId: string };
  let teamId: string;
  let escalationTeamId: string;
  const policyIds: Record<string, string> = {};
  let phone = 0;

  const hub = () => running.hub;
  const conversationsCollection = () => hub().connection.collection('conversations');
  const getConversation = async (id: string) =>
    (await conversationsCollection().findOne({ _id: new ObjectId(id) }))!;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the stored sub-document, read loosely
  const sla = async (id: string) => (await getConversation(id)).sla as Record<string, any>;
  /** A new customer writes now; optionally as a complaint; the conversation joins the team. */
  async function customerWrites(options: { category?: string; priority?: string; text?: string } = {}) {
    phone += 1;
    const from = `+86139${String(phone).padStart(8, '0')}`;
    const result = await hub().ingest.ingest(
      inbound({
        occurredAt: clock.now(),
        from: { externalId: from, phone: from },
        text: options.text ?? 'my order is late',
        hints: { category: options.category ?? 'inquiry', priority: options.priority ?? 'normal' },
      }),
    );
    await hub().conversations.conversations.assign(result.conversationId, {
      assigneeId: agent.agentId,
      teamId,
    });
    return result.conversationId;
  }
  const reply = (conversationId: string, isPrivate = false) =>
    hub().conversations.timeline.createReply({
      conversationId,
      authorId: agent.agentId,
      text: 'On it.',
      isPrivate,
    });
  const setStatus = (id: string, status: 'open' | 'pending' | 'resolved' | 'snoozed') =>
    hub().conversations.conversations.setStatus(id, {
      status,
      ...(status === 'snoozed' ? { snoozedUntil: new Date(clock.now().getTime() + 86_400_000) } : {}),
    });
  const slaEvents = async (conversationId: string) =>
    (
      await hub()
        .connection.collection('events')
        .find({ name: { $in: ['sla:warning', 'sla:breached'] } })
        .toArray()
    )
      .map((e) => ({
        name: e.name as string,
        rooms: e.rooms as string[],
        payload: JSON.parse(e.payload as string),
      }))
      .filter((e) => e.payload.conversationId === conversationId);

  before(async () => {
    running = await startTestHub({
      clock,
      runWorkers: false,
      // The manual clock stands in the past: tokens must outlive real time too, or the engine's TTL
      // monitor (which runs on real time) deletes them in the middle of the test.
      configOverrides: { SLA_SWEEP_INTERVAL_MS: '0', ACCESS_TOKEN_TTL_SECONDS: String(10 * 365 * 24 * 3600) },
    });
    admin = await loginAs(running, { email: 'admin@sla.test', role: 'admin' });
    supervisor = await loginAs(running, { email: 'sup@sla.test', role: 'supervisor' });
    lead = await loginAs(running, { email: 'lead@sla.test' });
    agent = await loginAs(running, { email: 'agent@sla.test' });
    const team = await hub().agents.agents.createTeam(
      { name: 'Care', leadId: lead.agentId, supervisorIds: [supervisor.agentId] },
      null,
    );
    teamId = team.id;
    escalationTeamId = await createTeam(running, 'Escalations');

    const calendar = await call(running.baseUrl, 'POST', '/api/sla/calendars', {
      token: admin.token,
      body: {
        name: 'Shanghai office',
        timezone: 'Asia/Shanghai',
        weekly: { mon: shift, tue: shift, wed: shift, thu: shift, fri: shift },
        holidays: [{ date: '2026-10-01', name: 'National Day' }],
      },
    });
    assert.equal(calendar.status, 201, JSON.stringify(calendar.body));
    const policies = [
      {
        name: 'urgent complaint',
        order: 1,
        conditions: { categories: ['complaint'], priorities: ['urgent'] },
        targets: { firstResponse: 30, nextResponse: 60, resolution: 240 },
      },
      {
        name: 'complaint',
        order: 2,
        conditions: { categories: ['complaint'] },
        targets: { firstResponse: 60, nextResponse: 120, resolution: 480 },
        escalations: [
          {
            on: 'breach',
            target: 'firstResponse',
            actions: [
              { type: 'notify', to: ['owner', 'supervisors'] },
              { type: 'raisePriority' },
              { type: 'reassignTeam', teamId: escalationTeamId },
            ],
          },
        ],
      },
      { name: 'default', order: 99, isDefault: true, targets: { firstResponse: 120, resolution: 960 } },
    ];
    for (const policy of policies) {
      const created = await call(running.baseUrl, 'POST', '/api/sla/policies', {
        token: admin.token,
        body: { ...policy, calendarId: calendar.body.id },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      policyIds[policy.name] = created.body.id;
    }
  });
  after(async () => {
    await running?.close();
  });
  beforeEach(() => clock.set(at('09:00')));

  it('lets supervisors read policies but only admins write them', async () => {
    const list = await call(running.baseUrl, 'GET', '/api/sla/policies', { token: supervisor.token });
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.items.map((p: { name: string }) => p.name),
      ['urgent complaint', 'complaint', 'default'],
    );
    const denied = await call(running.baseUrl, 'POST', '/api/sla/policies', {
      token: supervisor.token,
      body: { name: 'x', targets: { firstResponse: 5 } },
    });
    assert.equal(denied.status, 403);
    const invalid = await call(running.baseUrl, 'POST', '/api/sla/calendars', {
      token: admin.token,
      body: { name: 'bad', timezone: 'Nowhere/Land', weekly: { mon: [{ start: '10:00', end: '09:00' }] } },
    });
    assert.equal(invalid.status, 400);
  });

  it('selects the policy by conditions and re-selects it when category or priority change', async () => {
    const id = await customerWrites();
    assert.equal((await sla(id)).policyName, 'default');
    assert.deepEqual((await sla(id)).firstResponseDueAt, at('11:00'));

    await hub().conversations.conversations.setCategory(id, 'complaint');
    assert.equal((await sla(id)).policyName, 'complaint');
    assert.deepEqual((await sla(id)).firstResponseDueAt, at('10:00'));

    await hub().conversations.conversations.setPriority(id, 'urgent');
    assert.equal((await sla(id)).policyName, 'urgent complaint');
    assert.deepEqual((await sla(id)).firstResponseDueAt, at('09:30'));
  });

  it('applies an edited policy to open conversations', async () => {
    const id = await customerWrites({ category: 'complaint', priority: 'urgent' });
    assert.deepEqual((await sla(id)).firstResponseDueAt, at('09:30'));
    const edit = await call(running.baseUrl, 'PATCH', `/api/sla/policies/${policyIds['urgent complaint']}`, {
      token: admin.token,
      body: { targets: { firstResponse: 45, nextResponse: 60, resolution: 240 } },
    });
    assert.equal(edit.status, 200);
    await hub().sla.idle();
    assert.deepEqual((await sla(id)).firstResponseDueAt, at('09:45'));
    await call(running.baseUrl, 'PATCH', `/api/sla/policies/${policyIds['urgent complaint']}`, {
      token: admin.token,
      body: { targets: { firstResponse: 30, nextResponse: 60, resolution: 240 } },
    });
    await hub().sla.idle();
  });

  it('meets the first response with a human public reply, not with the automated acknowledgement or a note', async () => {
    const id = await customerWrites({ category: 'complaint' });
    const messages = await hub()
      .connection.collection('messages')
      .find({ conversationId: id, direction: 'outbound' })
      .toArray();
    assert.equal(messages.length, 1, 'the complaint acknowledgement is on the timeline');
    assert.equal(messages[0]!.isAutomated, true);
    assert.match(String(messages[0]!.text), /#\d+/);
    assert.equal((await sla(id)).firstResponse.status, 'running');

    clock.set(at('09:10'));
    await reply(id, true);
    assert.equal((await sla(id)).firstResponse.status, 'running');
    clock.set(at('09:25'));
    await reply(id);
    const state = await sla(id);
    assert.equal(state.firstResponse.status, 'met');
    assert.equal(state.firstResponse.businessMinutes, 25);
    assert.equal(state.firstResponse.breached, false);
  });

  it('gives a complaint its team lead as owner and promises the first-response due time', async () => {
    const id = await customerWrites({ category: 'complaint' });
    const conversation = await getConversation(id);
    assert.equal(conversation.ownerId, lead.agentId);
    const ack = await hub()
      .connection.collection('messages')
      .findOne({ conversationId: id, isAutomated: true });
    assert.ok(String(ack!.text).includes(`#${conversation.number}`));
    assert.ok(String(ack!.text).includes('lead'), 'names the owner');
  });

  it('pauses while waiting on the customer and moves the due time by the paused business time', async () => {
    const id = await customerWrites({ category: 'complaint' });
    clock.set(at('09:20'));
    await setStatus(id, 'pending');
    assert.equal((await sla(id)).firstResponseDueAt, null);
    assert.equal((await sla(id)).paused, true);
    clock.set(at('14:00'));
    await setStatus(id, 'open');
    const state = await sla(id);
    assert.deepEqual(state.firstResponseDueAt, at('14:40'));
    assert.equal(state.paused, false);
  });

  it('fires the warning then the breach, each once, never before its time, and escalates', async () => {
    const id = await customerWrites({ category: 'complaint' });
    const due = at('10:00');
    const queue = hub().queues.queue(SLA_QUEUE);
    assert.ok(
      await queue.getJob(timerJobId(id, { key: 'firstResponse:0:breach', at: due })),
      'breach timer armed',
    );
    assert.ok(await queue.getJob(timerJobId(id, { key: 'firstResponse:0:warning', at: at('09:48') })));

    clock.set(new Date(at('09:48').getTime() - 1));
    assert.deepEqual(
      await hub().sla.service.processTimerJob({ conversationId: id, key: 'firstResponse:0:warning', at: 0 }),
      [],
    );
    clock.set(at('09:48'));
    const warned = await hub().sla.service.processTimerJob({
      conversationId: id,
      key: 'firstResponse:0:warning',
      at: 0,
    });
    assert.deepEqual(
      warned.map((e) => e.key),
      ['firstResponse:0:warning'],
    );
    assert.deepEqual(
      await hub().sla.service.processTimerJob({ conversationId: id, key: 'firstResponse:0:warning', at: 0 }),
      [],
    );

    clock.set(new Date(due.getTime() - 1));
    assert.deepEqual(
      await hub().sla.service.processTimerJob({ conversationId: id, key: 'firstResponse:0:breach', at: 0 }),
      [],
    );
    clock.set(due);
    const [first, second] = await Promise.all([
      hub().sla.service.processTimerJob({ conversationId: id, key: 'firstResponse:0:breach', at: 0 }),
      hub().sla.service.processTimerJob({ conversationId: id, key: 'firstResponse:0:breach', at: 0 }),
    ]);
    assert.equal([...first, ...second].filter((e) => e.key === 'firstResponse:0:breach').length, 1);

    const published = await slaEvents(id);
    assert.deepEqual(
      published.map((e) => e.name),
      ['sla:warning', 'sla:breached'],
    );
    const breachRooms = published[1]!.rooms;
    for (const room of [
      `agent:${agent.agentId}`,
      `agent:${lead.agentId}`,
      `agent:${supervisor.agentId}`,
      'supervisors',
    ])
      assert.ok(breachRooms.includes(room), `breach reaches ${room}`);
    const conversation = await getConversation(id);
    assert.equal(conversation.priority, 'high', 'priority raised one level');
    assert.equal(conversation.teamId, escalationTeamId, 'reassigned to the escalation team');
    assert.equal((await sla(id)).events.length, 2);
  });

  it('re-arms every timer from the sweep after Redis lost its data', async () => {
    const ids = [await customerWrites(), await customerWrites({ category: 'complaint' })];
    const queue = hub().queues.queue(SLA_QUEUE);
    const expected = (
      await Promise.all(
        ids.map(async (id) =>
          ((await sla(id)).timers as { key: string; at: Date }[]).map((t) => timerJobId(id, t)),
        ),
      )
    ).flat();
    assert.ok(expected.length >= 4);
    await hub().redis.flushall();
    for (const jobId of expected) assert.equal(await queue.getJob(jobId), null);
    const result = await hub().sla.service.sweep();
    assert.equal(result.full, true);
    for (const jobId of expected) assert.ok(await queue.getJob(jobId), `${jobId} re-armed`);
    const again = await hub().sla.service.sweep();
    assert.equal(again.full, false);
  });

  it('records a breach whose timer was lost when the sweep runs after the due time', async () => {
    const id = await customerWrites({ category: 'complaint' });
    await hub().redis.flushall();
    clock.set(at('10:05'));
    const result = await hub().sla.service.sweep();
    assert.ok(result.fired >= 2);
    const keys = ((await sla(id)).events as { key: string }[]).map((e) => e.key);
    assert.ok(keys.includes('firstResponse:0:breach'));
  });

  it('stores CSAT from the customer answer after a resolved complaint is announced', async () => {
    const id = await customerWrites({ category: 'complaint' });
    clock.set(at('09:30'));
    await reply(id);
    clock.set(at('10:00'));
    await setStatus(id, 'resolved');
    const csatQuestion = await hub()
      .connection.collection('messages')
      .find({ conversationId: id, isAutomated: true })
      .sort({ seq: -1 })
      .limit(1)
      .toArray();
    assert.match(String(csatQuestion[0]!.text), /1.*5/);
    const conversation = await getConversation(id);
    clock.set(at('10:30'));
    await hub().ingest.ingest(
      inbound({
        occurredAt: clock.now(),
        from: {
          externalId: `+86139${String(phone).padStart(8, '0')}`,
          phone: `+86139${String(phone).padStart(8, '0')}`,
        },
        text: '5',
        externalId: nextId('SM'),
      }),
    );
    const after = await getConversation(id);
    assert.equal((after.csat as { score: number }).score, 5);
    assert.equal(after.status, 'resolved');
    assert.equal((after.metrics as { reopenCount: number }).reopenCount, 0, 'never reopened');
    assert.equal(after.number, conversation.number);
    assert.equal((await sla(id)).resolution.businessMinutes, 60);
  });
});
