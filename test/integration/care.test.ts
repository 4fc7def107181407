import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { createManualClock } from '../../server/lib/clock';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { connectAgent, type TestAgent } from '../support/agent-client';
import { startSmtpStub, type SmtpStub } from '../support/smtp-stub';
import { call, inbound, loginAs } from './conversations-support';

const shanghai = (iso: string) => DateTime.fromISO(iso, { zone: 'Asia/Shanghai' }).toJSDate();
const utc = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' }).toJSDate();

describe('care: tasks, 回访 follow-ups, greetings, re-engagement, opt-out, quiet hours (integration, manual clock)', function () {
  this.timeout(90_000);
  let running: RunningTestHub;
  const clock = createManualClock(shanghai('2026-09-21T10:00'));
  let admin: string;
  let adminId: string;
  let supervisor: { token: string; agentId: string };
  let agentA: TestAgent;
  let agentB: { token: string; agentId: string };
  let teamId: string;
  let phone = 0;
  const hub = () => running.hub;
  const care = () => hub().care;

  async function customerWrites(options: { channel?: 'sms' | 'whatsapp'; text?: string } = {}) {
    const from = `+86136${String(++phone).padStart(8, '0')}`;
    const channel = options.channel ?? 'sms';
    const { conversationId } = await hub().ingest.ingest(
      inbound({
        channel,
        inboxId: channel === 'sms' ? 'inbox-sms' : 'inbox-wa',
        occurredAt: clock.now(),
        from: { externalId: from, phone: from, name: `客户${phone}` },
        text: options.text ?? 'hello',
      }),
    );
    const contactId = (await hub().conversations.conversations.getConversation(conversationId)).contactId;
    return { conversationId, contactId, from };
  }
  const careMessages = (contactId: string, pattern: RegExp) =>
    hub()
      .connection.collection('messages')
      .find({ contactId, direction: 'outbound', isAutomated: true })
      .toArray()
      .then((docs) => docs.filter((doc) => pattern.test(String(doc.text))));
  /** The care jobs waiting or delayed, by id. */
  const careJobs = async () =>
    new Map(
      (await care().queue.getJobs(['waiting', 'delayed'], 0, 500)).map(
        (job) => [String(job.id), job] as const,
      ),
    );
  /** Runs a care message job as the worker would; the outcome it reports. */
  const runCare = async (data: unknown) => (await care().processJob(data)) as { outcome: string; at?: Date };
  async function clearCareJobs() {
    for (const job of (await careJobs()).values()) await job.remove();
  }

  before(async () => {
    running = await startTestHub({
      clock,
      runWorkers: false,
      configOverrides: {
        SLA_SWEEP_INTERVAL_MS: '0',
        CARE_SWEEP_INTERVAL_MS: '0',
        CARE_FOLLOW_UP_BUSINESS_DAYS: '2',
        CARE_REENGAGE_DAYS: '60',
        ACCESS_TOKEN_TTL_SECONDS: String(10 * 365 * 24 * 3600),
      },
    });
    ({ token: admin, agentId: adminId } = await loginAs(running, {
      email: 'admin@care.test',
      role: 'admin',
    }));
    supervisor = await loginAs(running, { email: 'sup@care.test', role: 'supervisor' });
    teamId = (await hub().agents.agents.createTeam({ name: 'Care complaints' }, null)).id;
    agentA = await connectAgent(running, { email: 'a@care.test', teamIds: [teamId] });
    agentB = await loginAs(running, { email: 'b@care.test' });
  });
  after(async () => {
    agentA?.close();
    await running?.close();
  });
  afterEach(async () => {
    await clearCareJobs();
  });

  describe('tasks API', () => {
    it('lists mine, my team’s and a contact’s by cursor in due order, and refuses what a role may not see', async () => {
      const { contactId } = await customerWrites();
      const base = clock.now().getTime();
      const created: string[] = [];
      for (const hours of [5, 1, 3, 2, 4]) {
        const res = await call(running.baseUrl, 'POST', '/api/tasks', {
          token: agentA.token,
          body: { title: `call back ${hours}`, dueAt: new Date(base + hours * 3_600_000), contactId, teamId },
        });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        created.push(res.body.id);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await call(
          running.baseUrl,
          'GET',
          `/api/tasks?scope=mine&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
          { token: agentA.token },
        );
        assert.equal(page.status, 200);
        assert.ok(page.body.items.length <= 2);
        seen.push(...page.body.items.map((t: { title: string }) => t.title));
        cursor = page.body.nextCursor;
      } while (cursor);
      assert.deepEqual(
        seen,
        [1, 2, 3, 4, 5].map((h) => `call back ${h}`),
      );

      // Agent B (not in the team) sees none of them, cannot open or complete one, cannot list everyone's.
      const other = await call(running.baseUrl, 'GET', `/api/tasks?contactId=${contactId}`, {
        token: agentB.token,
      });
      assert.deepEqual(other.body.items, []);
      assert.equal(
        (await call(running.baseUrl, 'GET', `/api/tasks/${created[0]}`, { token: agentB.token })).status,
        404,
      );
      const steal = await call(running.baseUrl, 'POST', `/api/tasks/${created[0]}/complete`, {
        token: agentB.token,
        body: { outcome: 'done' },
      });
      assert.equal(steal.status, 404);
      assert.equal(
        (await call(running.baseUrl, 'GET', '/api/tasks?scope=all', { token: agentB.token })).status,
        403,
      );
      const forSomeoneElse = await call(running.baseUrl, 'POST', '/api/tasks', {
        token: agentB.token,
        body: { title: 'x', dueAt: clock.now(), assigneeId: agentA.agentId },
      });
      assert.equal(forSomeoneElse.status, 403);
      // The supervisor sees them all; the team scope shows them to the team.
      const all = await call(running.baseUrl, 'GET', `/api/tasks?scope=all&contactId=${contactId}`, {
        token: supervisor.token,
      });
      assert.equal(all.body.items.length, 5);
      const team = await call(running.baseUrl, 'GET', '/api/tasks?scope=team&limit=50', {
        token: agentA.token,
      });
      assert.ok(created.every((id) => team.body.items.some((t: { id: string }) => t.id === id)));
      // Due before 2.5 hours from now: two of them.
      const due = await call(
        running.baseUrl,
        'GET',
        `/api/tasks?scope=mine&dueBefore=${new Date(base + 2.5 * 3_600_000).toISOString()}`,
        { token: agentA.token },
      );
      assert.deepEqual(
        due.body.items.map((t: { title: string }) => t.title),
        ['call back 1', 'call back 2'],
      );
      // Complete once, with a result; a second completion is a conflict; done tasks leave the open list.
      const done = await call(running.baseUrl, 'POST', `/api/tasks/${created[1]}/complete`, {
        token: agentA.token,
        body: { outcome: 'done', note: 'called' },
      });
      assert.equal(done.status, 200);
      assert.equal(done.body.result.outcome, 'done');
      const again = await call(running.baseUrl, 'POST', `/api/tasks/${created[1]}/complete`, {
        token: agentA.token,
        body: { outcome: 'done' },
      });
      assert.equal(again.status, 409);
      const bad = await call(running.baseUrl, 'POST', `/api/tasks/${created[0]}/complete`, {
        token: agentA.token,
        body: { outcome: 'great' },
      });
      assert.equal(bad.status, 400);
      const open = await call(running.baseUrl, 'GET', '/api/tasks?scope=mine&limit=50', {
        token: agentA.token,
      });
      assert.ok(!open.body.items.some((t: { id: string }) => t.id === created[1]));
    });
  });

  describe('回访 follow-up visits', () => {
    it('gives the owner a task exactly 2 business days after the complaint is resolved (weekend and holiday skipped), once, and reports its result', async () => {
      const calendar = await call(running.baseUrl, 'POST', '/api/sla/calendars', {
        token: admin,
        body: {
          name: 'Care office',
          timezone: 'Asia/Shanghai',
          weekly: Object.fromEntries(
            ['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [{ start: '09:00', end: '18:00' }]]),
          ),
          holidays: [{ date: '2026-09-28', name: 'a holiday Monday' }],
        },
      });
      assert.equal(calendar.status, 201, JSON.stringify(calendar.body));
      await hub().agents.agents.updateTeam(
        teamId,
        { calendarId: calendar.body.id },
        { agentId: adminId, role: 'admin', teamIds: [], sessionId: 'care-test' },
      );
      clock.set(shanghai('2026-09-25T15:00')); // a Friday
      const { conversationId } = await customerWrites({ text: '投诉：送货太慢' });
      await hub().conversations.conversations.setCategory(conversationId, 'complaint');
      await hub().conversations.conversations.assign(conversationId, { assigneeId: agentB.agentId, teamId });
      await hub().sla.complaints.setOwner(conversationId, agentA.agentId);
      await hub().conversations.conversations.setStatus(conversationId, { status: 'resolved' });
      const resolvedAt = clock.now();
      // Independently: Sat, Sun, the holiday Monday are no business days; day 1 is Tue 29, day 2 Wed 30 at 09:00.
      const expected = shanghai('2026-09-30T09:00');
      const job = (await careJobs()).get(`care:follow-up:${conversationId}:${resolvedAt.getTime()}`);
      assert.ok(job, 'the follow-up job has its deterministic id');
      assert.equal(job.opts.delay, expected.getTime() - resolvedAt.getTime());
      // Early (Tuesday): nothing yet.
      clock.set(shanghai('2026-09-29T17:00'));
      assert.equal(await care().processJob(job.data), null);
      assert.equal(
        await hub().connection.collection('tasks').countDocuments({ conversationId, kind: 'follow_up' }),
        0,
      );
      clock.set(expected);
      await care().processJob(job.data);
      await care().processJob(job.data);
      const tasks = await hub()
        .connection.collection('tasks')
        .find({ conversationId, kind: 'follow_up' })
        .toArray();
      assert.equal(tasks.length, 1, 'once, although the job ran twice');
      assert.equal(tasks[0]!.assigneeId, agentA.agentId, 'the complaint owner');
      assert.equal((tasks[0]!.createdAt as Date).getTime(), expected.getTime());
      const taskId = String(tasks[0]!._id);
      // A visit result is required: plain "done" is refused; then satisfied + note.
      const plain = await call(running.baseUrl, 'POST', `/api/tasks/${taskId}/complete`, {
        token: agentA.token,
        body: { outcome: 'done' },
      });
      assert.equal(plain.status, 400);
      const completed = await call(running.baseUrl, 'POST', `/api/tasks/${taskId}/complete`, {
        token: agentA.token,
        body: { outcome: 'satisfied', note: '客户表示满意' },
      });
      assert.equal(completed.status, 200, JSON.stringify(completed.body));
      const from = shanghai('2026-09-01T00:00').toISOString();
      const to = shanghai('2026-10-31T00:00').toISOString();
      assert.equal(
        (
          await call(running.baseUrl, 'GET', `/api/care/follow-ups/report?from=${from}&to=${to}`, {
            token: agentA.token,
          })
        ).status,
        403,
      );
      const report = await call(running.baseUrl, 'GET', `/api/care/follow-ups/report?from=${from}&to=${to}`, {
        token: supervisor.token,
      });
      assert.equal(report.status, 200, JSON.stringify(report.body));
      assert.equal(report.body.total, 1);
      assert.equal(report.body.byOutcome.satisfied, 1);
      assert.equal(report.body.satisfactionRate, 1);
      assert.equal(report.body.visits[0].note, '客户表示满意');
      assert.equal(report.body.visits[0].conversationId, conversationId);
    });

    it('re-arms a follow-up job lost with Redis on the next sweep, and none once the task exists', async () => {
      clock.set(shanghai('2026-11-02T10:00')); // a Monday
      const { conversationId } = await customerWrites({ text: '投诉：漏发配件' });
      await hub().conversations.conversations.setCategory(conversationId, 'complaint');
      await hub().conversations.conversations.setStatus(conversationId, { status: 'resolved' });
      const resolvedAt = clock.now();
      const id = `care:follow-up:${conversationId}:${resolvedAt.getTime()}`;
      const original = (await careJobs()).get(id);
      assert.ok(original);
      const appears = clock.now().getTime() + Number(original.opts.delay);
      await original.remove(); // lost
      assert.equal((await careJobs()).has(id), false);
      clock.advance(3_600_000);
      await care().sweep();
      const rearmed = (await careJobs()).get(id);
      assert.ok(rearmed, 'scheduled again under the same id');
      assert.equal(clock.now().getTime() + Number(rearmed.opts.delay), appears, 'for the same moment');
      clock.set(new Date(appears));
      await care().processJob(rearmed.data);
      await rearmed.remove();
      assert.equal(await hub().connection.collection('tasks').countDocuments({ conversationId }), 1);
      await care().sweep();
      assert.equal((await careJobs()).has(id), false, 'the task exists: nothing to re-arm');
    });

    it('creates no follow-up when the complaint was reopened before its day', async () => {
      clock.set(shanghai('2026-10-12T10:00'));
      const { conversationId } = await customerWrites({ text: '投诉' });
      await hub().conversations.conversations.setCategory(conversationId, 'complaint');
      await hub().conversations.conversations.setStatus(conversationId, { status: 'resolved' });
      const [job] = [...(await careJobs()).values()].filter((j) => j.data.kind === 'follow_up');
      assert.ok(job);
      clock.advance(3_600_000);
      await hub().conversations.conversations.setStatus(conversationId, { status: 'open' });
      clock.set(shanghai('2026-10-20T10:00'));
      assert.equal(await care().processJob(job.data), null);
      assert.equal(await hub().connection.collection('tasks').countDocuments({ conversationId }), 0);
    });
  });

  describe('greetings, re-engagement, opt-out and quiet hours', () => {
    async function contactWith(fields: Record<string, unknown>, channel: 'sms' | 'whatsapp' = 'sms') {
      const customer = await customerWrites({ channel });
      const res = await call(running.baseUrl, 'PATCH', `/api/contacts/${customer.contactId}`, {
        token: agentA.token,
        body: fields,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return customer;
    }
    const greetingJob = async (type: string, contactId: string, year: number) =>
      (await careJobs()).get(`care:${type}:${contactId}:${year}`);

    it('sends a birthday greeting once a year at 10:00 local time in Asia/Shanghai and America/New_York', async () => {
      clock.set(utc('2026-12-03T12:00'));
      const sh = await contactWith({ birthday: '1990-12-05', timezone: 'Asia/Shanghai', locale: 'zh-CN' });
      const ny = await contactWith({ birthday: '--12-05', timezone: 'America/New_York', locale: 'en' });
      clock.set(utc('2026-12-04T12:00'));
      await care().sweep();
      await care().sweep(); // twice: the same deterministic job ids
      const shJob = await greetingJob('birthday', sh.contactId, 2026);
      const nyJob = await greetingJob('birthday', ny.contactId, 2026);
      assert.ok(shJob && nyJob, 'one job each');
      // 10:00 in Shanghai (UTC+8) is 02:00Z; in New York in December (EST, UTC−5) 15:00Z.
      assert.equal(clock.now().getTime() + Number(shJob.opts.delay), utc('2026-12-05T02:00').getTime());
      assert.equal(clock.now().getTime() + Number(nyJob.opts.delay), utc('2026-12-05T15:00').getTime());
      clock.set(utc('2026-12-05T02:00'));
      assert.equal((await runCare(shJob.data)).outcome, 'sent');
      assert.equal((await runCare(shJob.data)).outcome, 'duplicate');
      // Its job done (removed), a sweep the same hour schedules no new one for a greeting already sent.
      await shJob.remove();
      await care().sweep();
      assert.equal(await greetingJob('birthday', sh.contactId, 2026), undefined);
      // The New York job run at Shanghai's time is early: nothing goes out.
      assert.equal((await runCare(nyJob.data)).outcome, 'stale');
      clock.set(utc('2026-12-05T15:00'));
      assert.equal((await runCare(nyJob.data)).outcome, 'sent');
      await runCare(nyJob.data);
      const shSent = await careMessages(sh.contactId, /生日快乐/);
      const nySent = await careMessages(ny.contactId, /Happy birthday/);
      assert.equal(shSent.length, 1);
      assert.equal(nySent.length, 1);
      assert.equal(
        shSent[0]!.conversationId,
        sh.conversationId,
        'into the running conversation, on its channel',
      );
      // A sweep later the same day schedules nothing new that could send again.
      await care().sweep();
      const rerun = await greetingJob('birthday', sh.contactId, 2026);
      if (rerun) assert.equal((await runCare(rerun.data)).outcome, 'duplicate');
      assert.equal((await careMessages(sh.contactId, /生日快乐/)).length, 1);
      // Next year: again, once.
      clock.set(utc('2027-12-04T12:00'));
      await care().sweep();
      const next = await greetingJob('birthday', sh.contactId, 2027);
      assert.ok(next);
      clock.set(utc('2027-12-05T02:00'));
      assert.equal((await runCare(next.data)).outcome, 'sent');
      assert.equal((await careMessages(sh.contactId, /生日快乐/)).length, 2);
    });

    it('greets a 29 February birthday on 28 February in a common year and on the 29th in a leap year', async () => {
      clock.set(utc('2027-02-20T12:00'));
      const leap = await contactWith({ birthday: '2000-02-29', timezone: 'Asia/Shanghai' });
      clock.set(utc('2027-02-27T12:00'));
      await care().sweep();
      const job2027 = await greetingJob('birthday', leap.contactId, 2027);
      assert.ok(job2027);
      assert.equal(
        clock.now().getTime() + Number(job2027.opts.delay),
        shanghai('2027-02-28T10:00').getTime(),
      );
      await clearCareJobs();
      clock.set(utc('2028-02-28T12:00'));
      await care().sweep();
      const job2028 = await greetingJob('birthday', leap.contactId, 2028);
      assert.ok(job2028);
      assert.equal(
        clock.now().getTime() + Number(job2028.opts.delay),
        shanghai('2028-02-29T10:00').getTime(),
      );
    });

    it('sends an anniversary greeting by the preferred channel, not the one last used', async () => {
      clock.set(utc('2026-11-01T00:00'));
      const customer = await contactWith({
        anniversary: '2020-11-02',
        timezone: 'Asia/Shanghai',
        preferredChannel: 'sms',
      });
      // Later the same customer writes on WhatsApp (the same phone: the same contact).
      clock.set(utc('2026-11-01T01:00'));
      const wa = await hub().ingest.ingest(
        inbound({
          channel: 'whatsapp',
          inboxId: 'inbox-wa',
          occurredAt: clock.now(),
          from: { externalId: customer.from, phone: customer.from },
          text: 'hi on WhatsApp',
        }),
      );
      const waContact = (await hub().conversations.conversations.getConversation(wa.conversationId))
        .contactId;
      assert.equal(waContact, customer.contactId);
      await care().sweep();
      const job = await greetingJob('anniversary', customer.contactId, 2026);
      assert.ok(job);
      clock.set(shanghai('2026-11-02T10:00'));
      assert.equal((await runCare(job.data)).outcome, 'sent');
      const sent = await careMessages(customer.contactId, /anniversary|纪念日/);
      assert.equal(sent.length, 1);
      assert.equal(sent[0]!.channel, 'sms');
      assert.equal(sent[0]!.conversationId, customer.conversationId);
    });

    it('honours opt-out: by the API flag, and by a 退订 message, sending nothing', async () => {
      clock.set(utc('2026-10-01T00:00'));
      const flagged = await contactWith({ birthday: '--10-02', timezone: 'Asia/Shanghai', careOptOut: true });
      const keyword = await contactWith({ birthday: '--10-02', timezone: 'Asia/Shanghai' });
      await hub().ingest.ingest(
        inbound({
          occurredAt: clock.now(),
          from: { externalId: keyword.from, phone: keyword.from },
          text: '退订',
        }),
      );
      const contact = await call(running.baseUrl, 'GET', `/api/contacts/${keyword.contactId}`, {
        token: agentA.token,
      });
      assert.equal(contact.body.contact.careOptOut, true, 'the keyword set the flag');
      // A job scheduled before the opt-out (or a sweep) sends nothing.
      for (const customer of [flagged, keyword]) {
        const job = {
          kind: 'greeting',
          type: 'birthday',
          contactId: customer.contactId,
          year: 2026,
          date: '--10-02',
        };
        clock.set(shanghai('2026-10-02T10:00'));
        assert.equal((await runCare(job)).outcome, 'opted_out');
        assert.equal((await careMessages(customer.contactId, /./)).length, 0);
      }
      // Back in by the API toggle.
      const back = await call(running.baseUrl, 'PATCH', `/api/contacts/${flagged.contactId}`, {
        token: agentA.token,
        body: { careOptOut: false },
      });
      assert.equal(back.body.careOptOut, false);
    });

    it('re-engages a quiet VIP after the configured days, postponing out of quiet hours, and honours a closed WhatsApp window', async () => {
      clock.set(shanghai('2026-06-01T10:00'));
      const vip = await contactWith({ tier: 'VIP', timezone: 'Asia/Shanghai' });
      const recent = await contactWith({ tier: 'A', timezone: 'Asia/Shanghai' });
      const whatsapp = await contactWith({ tier: 'A', timezone: 'Asia/Shanghai' }, 'whatsapp');
      const plain = await contactWith({ tier: 'C', timezone: 'Asia/Shanghai' });
      clock.set(shanghai('2026-07-25T10:00'));
      await customerWrites(); // unrelated
      await hub().ingest.ingest(
        inbound({
          occurredAt: clock.now(),
          from: { externalId: recent.from, phone: recent.from },
          text: 'still here',
        }),
      );
      // 22:00 in Shanghai, 61 days after the VIP's last message: quiet hours.
      clock.set(shanghai('2026-08-01T22:00'));
      await care().sweep();
      const jobs = [...(await careJobs()).values()].filter((j) => j.data.kind === 'reengage');
      const forContact = (id: string) =>
        jobs.filter((j) => (j.data as { contactId?: string }).contactId === id);
      assert.equal(forContact(vip.contactId).length, 1);
      assert.equal(forContact(whatsapp.contactId).length, 1);
      assert.equal(forContact(recent.contactId).length, 0, 'wrote 7 days ago');
      assert.equal(forContact(plain.contactId).length, 0, 'tier C');
      const vipJob = forContact(vip.contactId)[0]!;
      const first = await runCare(vipJob.data);
      assert.equal(first.outcome, 'postponed');
      assert.equal(
        (first as { at: Date }).at.getTime(),
        shanghai('2026-08-02T09:00').getTime(),
        'the end of the quiet hours',
      );
      assert.equal((await careMessages(vip.contactId, /./)).length, 0, 'nothing at night');
      const postponed = (await careJobs()).get(
        `${String(vipJob.id)}:after:${shanghai('2026-08-02T09:00').getTime()}`,
      );
      assert.ok(postponed, 'the postponed job is queued, not dropped');
      clock.set(shanghai('2026-08-02T09:00'));
      assert.equal((await runCare(postponed.data)).outcome, 'sent');
      assert.equal((await runCare(postponed.data)).outcome, 'duplicate');
      assert.equal((await careMessages(vip.contactId, /好久不见|been a while/)).length, 1);
      // WhatsApp: the 24-hour window closed long ago; a free-form text would be dropped: nothing is sent.
      const waJob = forContact(whatsapp.contactId)[0]!;
      assert.equal((await runCare(waJob.data)).outcome, 'window_closed');
      assert.equal((await careMessages(whatsapp.contactId, /./)).length, 0);
    });
  });
});

describe('care: automation create_task and notify through the real workers (socket, SMTP)', function () {
  this.timeout(60_000);
  let running: RunningTestHub;
  let smtp: SmtpStub;
  let admin: string;
  let agentA: TestAgent;
  let teamId: string;
  const hub = () => running.hub;

  before(async () => {
    smtp = await startSmtpStub();
    running = await startTestHub({
      configOverrides: {
        SMTP_URL: smtp.url,
        SLA_SWEEP_INTERVAL_MS: '0',
        CARE_SWEEP_INTERVAL_MS: '0',
      },
    });
    admin = (await loginAs(running, { email: 'admin@care2.test', role: 'admin' })).token;
    teamId = (await hub().agents.agents.createTeam({ name: 'Refunds' }, null)).id;
    agentA = await connectAgent(running, { email: 'a@care2.test', teamIds: [teamId] });
  });
  after(async () => {
    agentA?.close();
    await running?.close();
    await smtp?.close();
  });

  it('an automation’s create_task makes a real task and notify reaches the assignee by socket and email', async () => {
    const rule = await call(running.baseUrl, 'POST', '/api/automations', {
      token: admin,
      body: {
        name: 'refund follow-up',
        trigger: { type: 'event', event: 'message.received' },
        conditions: [{ field: 'message.text', op: 'contains', value: 'refund' }],
        actions: [
          { type: 'notify', to: ['assignee'], text: 'A refund request needs you' },
          { type: 'create_task', title: 'Check the refund', dueInMinutes: 60 },
        ],
      },
    });
    assert.equal(rule.status, 201, JSON.stringify(rule.body));
    const from = '+8613700000999';
    const first = await hub().ingest.ingest(
      inbound({ occurredAt: new Date(), from: { externalId: from, phone: from }, text: 'hi' }),
    );
    const { conversationId } = first;
    await hub().conversations.conversations.assign(conversationId, { assigneeId: agentA.agentId, teamId });
    const at = Date.now();
    await hub().ingest.ingest(
      inbound({ occurredAt: new Date(), from: { externalId: from, phone: from }, text: 'I want a refund' }),
    );
    // The worker runs the rule: a socket notice, a task announced to the assignee, and an email.
    const notice = await agentA.next('notification:new', (p) => p.conversationId === conversationId);
    assert.equal(notice.text, 'A refund request needs you');
    const announced = await agentA.next(
      'task:updated',
      (p) => (p.task as { conversationId: string }).conversationId === conversationId,
    );
    assert.equal((announced.task as { title: string }).title, 'Check the refund');
    const mail = await smtp.waitFor(1, 20_000);
    assert.ok(
      mail.some(
        (m) => (m.to as { text: string }).text === 'a@care2.test' && m.text?.includes('refund request'),
      ),
    );
    const tasks = await hub().connection.collection('tasks').find({ conversationId }).toArray();
    assert.equal(tasks.length, 1);
    assert.equal(tasks[0]!.kind, 'automation');
    assert.equal(tasks[0]!.assigneeId, agentA.agentId);
    const due = (tasks[0]!.dueAt as Date).getTime();
    assert.ok(due >= at + 60 * 60_000 && due <= Date.now() + 60 * 60_000, 'due in 60 minutes');
    // The agent sees it in their list; the job run again creates nothing (the rule's run is claimed once).
    const mine = await call(running.baseUrl, 'GET', '/api/tasks?scope=mine', { token: agentA.token });
    assert.ok(mine.body.items.some((t: { id: string }) => t.id === String(tasks[0]!._id)));
    const runs = await hub().connection.collection('automation_runs').find({ conversationId }).toArray();
    const matched = runs.find((r) => r.outcome === 'matched');
    assert.ok(matched);
    await hub().automations.processJob({
      kind: 'event',
      event: 'message.received',
      conversationId,
      key: matched.key,
    });
    assert.equal(await hub().connection.collection('tasks').countDocuments({ conversationId }), 1);
  });
});
