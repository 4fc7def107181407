/**
 * The complaint flow as a customer and a supervisor meet it (issue 15's bugs, each with the test that
 * failed before its fix): a caller's acknowledgement goes by SMS, in the language chosen in the IVR; the
 * promised time is never in the past; an owner can be set by API; a pending conversation stays with its
 * agent; CSAT is asked after every resolution (configurable per inbox); complaints are classified on
 * intake; the report-back text depends on the category.
 */
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { ObjectId } from 'mongodb';
import { createManualClock } from '../../server/lib/clock';
import { RecordingChannel } from '../support/recording-channel';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { waitFor } from '../support/twilio-hub';
import { call, inbound, loginAs, nextId } from './conversations-support';

/** Monday 28 September 2026 in Shanghai. */
const at = (time: string) => DateTime.fromISO(`2026-09-28T${time}`, { zone: 'Asia/Shanghai' }).toJSDate();

describe('complaint flow (integration)', function () {
  this.timeout(60_000);
  let running: RunningTestHub;
  const clock = createManualClock(at('09:00'));
  const phoneInbox = new RecordingChannel({ inboxId: 'cf-phone', kinds: ['sms', 'voice'] });
  let admin: { token: string; agentId: string };
  let supervisor: { token: string; agentId: string };
  let lead: { token: string; agentId: string };
  let agent: { token: string; agentId: string };
  let teamId: string;
  let phone = 0;

  const hub = () => running.hub;
  const conversation = async (id: string) =>
    (await hub()
      .connection.collection('conversations')
      .findOne({ _id: new ObjectId(id) }))!;
  const automated = (id: string) =>
    hub()
      .connection.collection('messages')
      .find({ conversationId: id, isAutomated: true })
      .sort({ seq: 1 })
      .toArray();
  const nextPhone = () => `+86137${String(++phone).padStart(8, '0')}`;

  async function customerWrites(options: {
    category?: string;
    priority?: string;
    text?: string;
    from?: string;
  }) {
    const from = options.from ?? nextPhone();
    const result = await hub().ingest.ingest(
      inbound({
        inboxId: 'cf-phone',
        occurredAt: clock.now(),
        from: { externalId: from, phone: from },
        text: options.text ?? '我的订单还没到',
        hints: {
          ...(options.category ? { category: options.category } : {}),
          ...(options.priority ? { priority: options.priority } : {}),
        },
      }),
    );
    await hub().conversations.conversations.assign(result.conversationId, {
      assigneeId: agent.agentId,
      teamId,
    });
    return result.conversationId;
  }

  async function callerComplains(locale?: string) {
    const from = nextPhone();
    const result = await hub().ingest.ingest({
      channel: 'voice',
      inboxId: 'cf-phone',
      externalId: nextId('CA'),
      occurredAt: clock.now(),
      from: { externalId: from, phone: from },
      kind: 'call',
      call: { direction: 'inbound', status: 'in-progress' },
      hints: { category: 'complaint', ...(locale ? { locale } : {}) },
    });
    await hub().conversations.conversations.assign(result.conversationId, {
      assigneeId: agent.agentId,
      teamId,
    });
    return { conversationId: result.conversationId, from };
  }

  before(async () => {
    running = await startTestHub({
      clock,
      configOverrides: { SLA_SWEEP_INTERVAL_MS: '0', ACCESS_TOKEN_TTL_SECONDS: String(10 * 365 * 24 * 3600) },
    });
    hub().channels.registry.register(phoneInbox);
    admin = await loginAs(running, { email: 'admin@cf.test', role: 'admin' });
    supervisor = await loginAs(running, { email: 'sup@cf.test', role: 'supervisor' });
    lead = await loginAs(running, { email: 'lead@cf.test' });
    agent = await loginAs(running, { email: 'agent@cf.test' });
    teamId = (await hub().agents.agents.createTeam({ name: 'CF care', leadId: lead.agentId }, null)).id;
    for (const policy of [
      {
        name: 'complaint',
        order: 1,
        conditions: { categories: ['complaint'] },
        targets: { firstResponse: 60, resolution: 480 },
      },
      { name: 'default', order: 99, isDefault: true, targets: { firstResponse: 120, resolution: 960 } },
    ]) {
      const created = await call(running.baseUrl, 'POST', '/api/sla/policies', {
        token: admin.token,
        body: policy,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
    await hub().sla.idle();
  });
  after(async () => running?.close());
  beforeEach(() => clock.set(at('09:00')));

  it('acknowledges a phone complaint by SMS to the caller’s number', async () => {
    const { conversationId, from } = await callerComplains();
    const [ack] = await automated(conversationId);
    assert.ok(ack, 'an acknowledgement on the timeline');
    assert.equal(ack.channel, 'sms');
    const sent = await waitFor(
      () => Promise.resolve(phoneInbox.sent.find((message) => message.messageId === String(ack._id))),
      'the acknowledgement at the SMS connector',
    );
    assert.equal(sent.channel, 'sms');
    assert.equal(sent.to.phone ?? sent.to.externalId, from);
  });

  it('lets an agent answer a phone conversation by SMS', async () => {
    const { conversationId, from } = await callerComplains();
    const reply = await call(running.baseUrl, 'POST', `/api/conversations/${conversationId}/messages`, {
      token: agent.token,
      body: { text: '您好，已收到您的来电投诉。', channel: 'sms' },
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const sent = await waitFor(
      () => Promise.resolve(phoneInbox.sent.find((message) => message.messageId === reply.body.id)),
      'the SMS reply at the connector',
    );
    assert.equal(sent.to.phone ?? sent.to.externalId, from);
  });

  it('saves the language chosen in the IVR on the contact and acknowledges in it', async () => {
    const { conversationId } = await callerComplains('zh-CN');
    const stored = await conversation(conversationId);
    const contact = await hub().contacts.contacts.findContact(String(stored.contactId));
    assert.equal(contact?.locale, 'zh-CN');
    const [ack] = await automated(conversationId);
    assert.match(String(ack?.text), /投诉/);
  });

  it('never promises a time in the past when the category is set late', async () => {
    const id = await customerWrites({});
    clock.set(at('10:30'));
    await hub().conversations.conversations.setCategory(id, 'complaint');
    const [ack] = await automated(id);
    assert.ok(ack, 'acknowledged once it became a complaint');
    const promised = (await conversation(id)).sla.complaint.promisedAt as Date;
    assert.ok(promised.getTime() > clock.now().getTime(), `promised ${promised.toISOString()}`);
    // The first-response due time (10:00) passed: the promise is a fresh first-response target from now.
    assert.equal(promised.toISOString(), at('11:30').toISOString());
  });

  it('lets a supervisor set and change the complaint owner; agents may not', async () => {
    const id = await customerWrites({ category: 'complaint' });
    assert.equal((await conversation(id)).ownerId, lead.agentId, 'the team lead by default');
    const refused = await call(running.baseUrl, 'PUT', `/api/complaints/${id}/owner`, {
      token: agent.token,
      body: { ownerId: agent.agentId },
    });
    assert.equal(refused.status, 403);
    const unknown = await call(running.baseUrl, 'PUT', `/api/complaints/${id}/owner`, {
      token: supervisor.token,
      body: { ownerId: new ObjectId().toHexString() },
    });
    assert.equal(unknown.status, 400);
    const changed = await call(running.baseUrl, 'PUT', `/api/complaints/${id}/owner`, {
      token: supervisor.token,
      body: { ownerId: supervisor.agentId },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.body.ownerId, supervisor.agentId);
    assert.equal((await conversation(id)).ownerId, supervisor.agentId);
  });

  it('never pulls a pending conversation back into the queue when the no-reply timeout fires', async () => {
    const id = await customerWrites({});
    await hub().conversations.conversations.assign(id, { assigneeId: null, teamId });
    // Waiting on the customer when the agent takes it (the timer job may also run at once: the manual
    // clock stands before real time, so its delay is already over).
    await hub().conversations.conversations.setStatus(id, { status: 'pending' });
    const doc = await hub().conversations.conversations.getConversation(id);
    await hub().routing.assignments.assignTo(doc, agent.agentId, { force: true });
    const assignedAt = ((await conversation(id)).routing as { assignedAt: Date }).assignedAt;
    assert.equal(await hub().routing.assignments.requeueIfUnanswered(id, assignedAt), false);
    assert.equal((await conversation(id)).assigneeId, agent.agentId);
  });

  it('asks for CSAT after every resolved conversation unless the inbox turns it off, and stores the answer', async () => {
    const inquiry = await customerWrites({ category: 'inquiry' });
    await hub().conversations.timeline.createReply({
      conversationId: inquiry,
      authorId: agent.agentId,
      text: '已为您查询，明天送达。',
      isPrivate: false,
    });
    await hub().conversations.conversations.setStatus(inquiry, { status: 'resolved' });
    const [question] = (await automated(inquiry)).filter((m) => /1.*5/.test(String(m.text)));
    assert.ok(question, 'a CSAT question after an inquiry');
    const inquiryContact = await hub().contacts.contacts.findContact(
      String((await conversation(inquiry)).contactId),
    );
    const answerFrom = inquiryContact!.phones[0]!;
    await hub().ingest.ingest(
      inbound({
        inboxId: 'cf-phone',
        occurredAt: clock.now(),
        from: { externalId: answerFrom, phone: answerFrom },
        text: '４',
      }),
    );
    const answered = await conversation(inquiry);
    assert.equal((answered.csat as { score: number }).score, 4);
    assert.equal(answered.status, 'resolved');
    const settings = await call(running.baseUrl, 'PUT', '/api/sla/csat-settings/cf-quiet', {
      token: admin.token,
      body: { enabled: false },
    });
    assert.equal(settings.status, 200, JSON.stringify(settings.body));
    const quietPhone = nextPhone();
    const quiet = await hub().ingest.ingest(
      inbound({
        inboxId: 'cf-quiet',
        occurredAt: clock.now(),
        from: { externalId: quietPhone, phone: quietPhone },
      }),
    );
    await hub().conversations.conversations.setStatus(quiet.conversationId, { status: 'resolved' });
    assert.equal((await automated(quiet.conversationId)).length, 0, 'no CSAT on an inbox that turned it off');
  });

  it('classifies complaints on intake as urgent, normal or suggestion', async () => {
    const urgent = await customerWrites({ category: 'complaint', text: '再不处理我就投诉到消费者协会！' });
    const normal = await customerWrites({ category: 'complaint', text: '快递员态度不好' });
    const byPriority = await customerWrites({ category: 'complaint', priority: 'urgent', text: 'late' });
    const suggestion = await customerWrites({ category: 'suggestion', text: '建议增加夜间配送' });
    const classification = async (id: string) =>
      ((await conversation(id)).sla?.complaint as { classification?: string } | undefined)?.classification;
    assert.equal(await classification(urgent), 'urgent');
    assert.equal((await conversation(urgent)).priority, 'urgent', 'an urgent complaint is urgent');
    assert.equal(await classification(normal), 'normal');
    assert.equal(await classification(byPriority), 'urgent');
    assert.equal(await classification(suggestion), 'suggestion');
  });

  it('reports the result back with the template of the category', async () => {
    const complaint = await customerWrites({ category: 'complaint' });
    const suggestion = await customerWrites({ category: 'suggestion', text: '建议增加夜间配送' });
    for (const id of [complaint, suggestion]) {
      const contactId = String((await conversation(id)).contactId);
      await hub().contacts.contacts.updateContact(contactId, { locale: 'zh-CN' });
      await hub().conversations.timeline.createReply({
        conversationId: id,
        authorId: agent.agentId,
        text: '处理结果：已安排。',
        isPrivate: false,
      });
      await hub().conversations.conversations.setStatus(id, { status: 'resolved' });
    }
    const last = async (id: string) => (await automated(id)).at(-1);
    const complaintReport = await last(complaint);
    const suggestionReport = await last(suggestion);
    assert.match(String(complaintReport?.text), /投诉/);
    assert.match(String(complaintReport?.text), /处理结果：已安排。/);
    assert.match(String(suggestionReport?.text), /建议/);
    assert.doesNotMatch(String(suggestionReport?.text), /投诉/);
  });
});
