import assert from 'node:assert/strict';
import { createManualClock } from '../../server/lib/clock';
import { STAFF_MAIL_QUEUE } from '../../server/infra/staff-mail';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { startSmtpStub, type SmtpStub } from '../support/smtp-stub';
import { call, inbound, loginAs } from './conversations-support';

/** SLA breach notices by email through a real SMTP conversation with a local relay. */
describe('SLA notices by email', () => {
  let running: RunningTestHub;
  let smtp: SmtpStub;
  const start = new Date('2026-09-28T01:00:00Z');
  const clock = createManualClock(start);
  let lead: { token: string; agentId: string };
  let supervisor: { token: string; agentId: string };
  let agent: { token: string; agentId: string };
  let teamId: string;
  let admin: { token: string; agentId: string };
  let phone = 0;
  const hub = () => running.hub;
  const minutes = (n: number) => new Date(start.getTime() + n * 60_000);

  async function complaint(team = teamId): Promise<{ id: string; number: number }> {
    phone += 1;
    const from = `+86138${String(phone).padStart(8, '0')}`;
    const { conversationId } = await hub().ingest.ingest(
      inbound({
        occurredAt: clock.now(),
        from: { externalId: from, phone: from },
        text: 'the parcel arrived broken',
        hints: { category: 'complaint', priority: 'normal' },
      }),
    );
    await hub().conversations.conversations.assign(conversationId, {
      assigneeId: agent.agentId,
      teamId: team,
    });
    const conversation = await hub().conversations.conversations.getConversation(conversationId);
    return { id: conversationId, number: conversation.number };
  }
  const fire = (conversationId: string, key: string) =>
    hub().sla.service.processTimerJob({ conversationId, key, at: 0 });
  const mailsAbout = (number: number) =>
    smtp.received.filter((mail) => mail.subject?.includes(String(number)));
  const recipients = (mails: { to?: unknown }[]) =>
    mails.map((mail) => (mail.to as { text: string }).text).sort();
  const settle = () => new Promise((resolve) => setTimeout(resolve, 1_000));

  before(async () => {
    smtp = await startSmtpStub();
    running = await startTestHub({
      clock,
      configOverrides: {
        SMTP_URL: smtp.url,
        MAIL_FROM: 'Omnihub SLA <sla@hub.test>',
        SLA_SWEEP_INTERVAL_MS: '0',
        // The manual clock stands in the past: tokens must outlive real time (the TTL monitor runs on it).
        ACCESS_TOKEN_TTL_SECONDS: String(10 * 365 * 24 * 3600),
      },
    });
    admin = await loginAs(running, { email: 'admin@notices.test', role: 'admin' });
    supervisor = await loginAs(running, { email: 'sup@notices.test', role: 'supervisor' });
    lead = await loginAs(running, { email: 'lead@notices.test' });
    agent = await loginAs(running, { email: 'agent@notices.test' });
    const team = await hub().agents.agents.createTeam(
      { name: 'Complaints', leadId: lead.agentId, supervisorIds: [supervisor.agentId] },
      null,
    );
    teamId = team.id;
    const policy = await call(running.baseUrl, 'POST', '/api/sla/policies', {
      token: admin.token,
      body: {
        name: 'complaints around the clock',
        order: 1,
        isDefault: true,
        targets: { firstResponse: 60 },
        escalations: [
          { on: 'warning', target: 'firstResponse', actions: [{ type: 'notify', to: ['assignee'] }] },
          {
            on: 'breach',
            target: 'firstResponse',
            actions: [{ type: 'notify', to: ['owner', 'supervisors'], email: true }],
          },
        ],
      },
    });
    assert.equal(policy.status, 201, JSON.stringify(policy.body));
  });
  after(async () => {
    await running?.close();
    await smtp?.close();
  });
  beforeEach(() => clock.set(start));

  it('emails the owner and the supervisors once per breach, never for a socket-only warning', async () => {
    const { id, number } = await complaint();
    clock.set(minutes(48));
    assert.deepEqual(
      (await fire(id, 'firstResponse:0:warning')).map((e) => e.key),
      ['firstResponse:0:warning'],
    );
    clock.set(minutes(60));
    const [first, second] = await Promise.all([
      fire(id, 'firstResponse:0:breach'),
      fire(id, 'firstResponse:0:breach'),
    ]);
    assert.equal([...first, ...second].length, 1, 'the breach is recorded once');
    await smtp.waitFor(2);
    await settle();
    const mails = mailsAbout(number);
    assert.deepEqual(recipients(mails), ['lead@notices.test', 'sup@notices.test']);
    for (const mail of mails) {
      assert.match(mail.subject ?? '', /breach/);
      assert.equal((mail.from as { text: string }).text, '"Omnihub SLA" <sla@hub.test>');
      assert.ok(mail.text?.includes(`/app/conversations/${id}`), 'links to the conversation');
    }
    assert.deepEqual(await fire(id, 'firstResponse:0:breach'), [], 'a late duplicate job records nothing');
    await settle();
    assert.equal(mailsAbout(number).length, 2, 'and sends nothing');
  });

  it('retries a notice the relay deferred (4xx) and delivers it once', async () => {
    const { id, number } = await complaint();
    smtp.failNext(1, 451);
    clock.set(minutes(61));
    await fire(id, 'firstResponse:0:breach');
    const deadline = Date.now() + 20_000;
    while (mailsAbout(number).length < 2 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    await settle();
    assert.deepEqual(recipients(mailsAbout(number)), ['lead@notices.test', 'sup@notices.test']);
  });

  it('fails a notice the relay refused for good (5xx) at once, without retrying it', async () => {
    const { id, number } = await complaint();
    smtp.failNext(2, 550);
    clock.set(minutes(61));
    await fire(id, 'firstResponse:0:breach');
    const queue = hub().queues.queue(STAFF_MAIL_QUEUE);
    const jobIds = [lead.agentId, supervisor.agentId].map(
      (agentId) => `${STAFF_MAIL_QUEUE}:sla:${id}:firstResponse:breach:${agentId}`,
    );
    const deadline = Date.now() + 10_000;
    const states = async () =>
      Promise.all(jobIds.map(async (jobId) => (await queue.getJob(jobId))?.getState()));
    while ((await states()).some((state) => state !== 'failed') && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(await states(), ['failed', 'failed']);
    for (const jobId of jobIds) assert.equal((await queue.getJob(jobId))!.attemptsMade, 1);
    assert.equal(mailsAbout(number).length, 0);
  });

  it('holds an email notice outside the team’s working hours until the next opening', async () => {
    const calendar = async (body: Record<string, unknown>) => {
      const created = await call(running.baseUrl, 'POST', '/api/sla/calendars', { token: admin.token, body });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return created.body.id as string;
    };
    const allDay = [{ start: '00:00', end: '24:00' }];
    const aroundTheClock = await calendar({
      name: '24/7',
      timezone: 'UTC',
      weekly: { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay },
    });
    const day = [{ start: '09:00', end: '18:00' }];
    const office = await calendar({
      name: 'Shanghai office',
      timezone: 'Asia/Shanghai',
      weekly: { mon: day, tue: day, wed: day, thu: day, fri: day },
    });
    const policy = await call(running.baseUrl, 'POST', '/api/sla/policies', {
      token: admin.token,
      body: {
        name: 'night desk, 24/7 clock',
        order: 5,
        calendarId: aroundTheClock,
        targets: { firstResponse: 60 },
        escalations: [
          {
            on: 'breach',
            target: 'firstResponse',
            actions: [{ type: 'notify', to: ['supervisors'], email: true }],
          },
        ],
      },
    });
    assert.equal(policy.status, 201, JSON.stringify(policy.body));
    const nightDesk = await hub().agents.agents.createTeam(
      {
        name: 'Night desk',
        leadId: lead.agentId,
        supervisorIds: [supervisor.agentId],
        calendarId: office,
        slaPolicyId: policy.body.id,
      },
      null,
    );
    // Monday 20:00 in Shanghai: the customer writes; the breach falls at 21:00, after office hours.
    clock.set(new Date('2026-09-28T12:00:00Z'));
    const { id, number } = await complaint(nightDesk.id);
    clock.set(new Date('2026-09-28T13:00:00Z'));
    const fired = (await fire(id, 'firstResponse:0:breach')).map((event) => event.key);
    assert.ok(fired.includes('firstResponse:0:breach'));
    const job = await hub()
      .queues.queue(STAFF_MAIL_QUEUE)
      .getJob(`${STAFF_MAIL_QUEUE}:sla:${id}:firstResponse:breach:${supervisor.agentId}`);
    assert.ok(job, 'the notice is queued');
    assert.equal(await job.getState(), 'delayed');
    // Tuesday 09:00 in Shanghai is 01:00 UTC: twelve hours after the breach.
    assert.equal(job.opts.delay, 12 * 3600 * 1000);
    await settle();
    assert.equal(mailsAbout(number).length, 0, 'nothing sent at night');
  });
});
