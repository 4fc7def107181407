import assert from 'node:assert/strict';
import { createManualClock } from '../../server/lib/clock';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { call, inbound, loginAs } from './conversations-support';

const utc = (iso: string) => new Date(`${iso}Z`);

describe('automations: the contact-date time trigger (integration, manual clock)', function () {
  this.timeout(60_000);
  let running: RunningTestHub;
  const clock = createManualClock(utc('2026-03-01T12:00'));
  let admin: string;
  let phone = 0;
  const hub = () => running.hub;
  const automations = () => hub().automations;

  async function contact(fields: Record<string, unknown>) {
    const from = `+1212555${String(++phone).padStart(4, '0')}`;
    const { conversationId } = await hub().ingest.ingest(
      inbound({ occurredAt: clock.now(), from: { externalId: from, phone: from }, text: 'hi' }),
    );
    const contactId = (await hub().conversations.conversations.getConversation(conversationId)).contactId;
    await hub().contacts.contacts.updateContact(contactId, fields);
    return { contactId, conversationId };
  }
  const notes = (conversationId: string, text: string) =>
    hub().connection.collection('messages').countDocuments({ conversationId, kind: 'note', text });
  const jobsById = async () =>
    new Map(
      (await automations().queue.getJobs(['waiting', 'delayed'], 0, 500)).map(
        (job) => [String(job.id), job] as const,
      ),
    );

  before(async () => {
    running = await startTestHub({
      clock,
      runWorkers: false,
      configOverrides: {
        SLA_SWEEP_INTERVAL_MS: '0',
        CARE_SWEEP_INTERVAL_MS: '0',
        ACCESS_TOKEN_TTL_SECONDS: String(10 * 365 * 24 * 3600),
      },
    });
    admin = (await loginAs(running, { email: 'admin@dates.test', role: 'admin' })).token;
  });
  after(async () => running?.close());

  it('fires once at the local time across the DST change, and not when the condition or the date stopped holding', async () => {
    const rule = await call(running.baseUrl, 'POST', '/api/automations', {
      token: admin,
      body: {
        name: 'birthday call',
        trigger: { type: 'contact_date', field: 'birthday', time: '09:00' },
        conditions: [{ field: 'contact.tier', op: 'in', value: ['A', 'VIP'] }],
        actions: [{ type: 'add_note', text: 'Birthday today: call the customer' }],
      },
    });
    assert.equal(rule.status, 201, JSON.stringify(rule.body));
    const ruleId = rule.body.id as string;
    const ny = { timezone: 'America/New_York', tier: 'A' as const };
    // New York springs forward on Sunday 8 March 2026 at 02:00 (EST −5 → EDT −4).
    const onDstDay = await contact({ ...ny, birthday: '--03-08' });
    const dayBefore = await contact({ ...ny, birthday: '1985-03-07' });
    const tierDropped = await contact({ ...ny, birthday: '--03-08' });
    const dateChanged = await contact({ ...ny, birthday: '--03-08' });
    const shanghai = await contact({ timezone: 'Asia/Shanghai', tier: 'VIP', birthday: '--03-08' });
    const notQualified = await contact({ ...ny, tier: 'C', birthday: '--03-08' });

    clock.set(utc('2026-03-07T06:00'));
    await automations().sweepContactDates();
    await automations().sweepContactDates(); // twice: the same deterministic job ids
    const jobs = await jobsById();
    const jobOf = (contactId: string) => jobs.get(`auto:${ruleId}:contact-date:${contactId}:2026`);
    const firesAt = (contactId: string) => clock.now().getTime() + Number(jobOf(contactId)!.opts.delay);
    // Independently: 09:00 EST on the 7th is 14:00Z; 09:00 EDT on the 8th is 13:00Z; 09:00 in Shanghai 01:00Z.
    assert.equal(firesAt(dayBefore.contactId), utc('2026-03-07T14:00').getTime());
    assert.equal(firesAt(onDstDay.contactId), utc('2026-03-08T13:00').getTime());
    assert.equal(firesAt(shanghai.contactId), utc('2026-03-08T01:00').getTime());
    assert.equal(
      [...jobs.keys()].filter((id) => id.startsWith(`auto:${ruleId}:contact-date:`)).length,
      6,
      'one job per contact',
    );

    // Before they fire: one contact leaves tier A, another's birthday is corrected.
    await hub().contacts.contacts.updateContact(tierDropped.contactId, { tier: 'C' });
    await hub().contacts.contacts.updateContact(dateChanged.contactId, { birthday: '--04-01' });

    const fire = async (contactId: string, at: Date) => {
      clock.set(at);
      const job = jobOf(contactId)!;
      await automations().processJob(job.data);
      await automations().processJob(job.data); // run twice: acts once
    };
    // A job run an hour early does nothing.
    clock.set(utc('2026-03-08T12:00'));
    assert.deepEqual(await automations().processJob(jobOf(onDstDay.contactId)!.data), []);
    await fire(dayBefore.contactId, utc('2026-03-07T14:00'));
    await fire(shanghai.contactId, utc('2026-03-08T01:00'));
    for (const other of [onDstDay, tierDropped, dateChanged, notQualified])
      await fire(other.contactId, utc('2026-03-08T13:00'));

    const text = 'Birthday today: call the customer';
    assert.equal(await notes(dayBefore.conversationId, text), 1);
    assert.equal(await notes(onDstDay.conversationId, text), 1);
    assert.equal(await notes(shanghai.conversationId, text), 1);
    assert.equal(await notes(tierDropped.conversationId, text), 0, 'the condition no longer holds');
    assert.equal(await notes(dateChanged.conversationId, text), 0, 'the date changed');
    assert.equal(await notes(notQualified.conversationId, text), 0);
    const runs = hub().connection.collection('automation_runs');
    assert.equal(await runs.countDocuments({ ruleId, conversationId: dateChanged.conversationId }), 0);
    assert.equal(
      (await runs.findOne({ ruleId, conversationId: tierDropped.conversationId }))?.outcome,
      'not_matched',
    );
    await automations().rules.remove(ruleId);
  });

  it('fires a one-off custom date attribute in its year only', async () => {
    clock.set(utc('2026-05-01T00:00'));
    const rule = await call(running.baseUrl, 'POST', '/api/automations', {
      token: admin,
      body: {
        name: 'contract renewal',
        trigger: { type: 'contact_date', field: 'attributes.renewal', time: '10:30', yearly: false },
        actions: [{ type: 'add_note', text: 'Contract renewal today' }],
      },
    });
    assert.equal(rule.status, 201, JSON.stringify(rule.body));
    const ruleId = rule.body.id as string;
    const renewing = await contact({ timezone: 'Europe/Berlin', attributes: { renewal: '2026-05-02' } });
    await automations().sweepContactDates();
    const key = `auto:${ruleId}:contact-date:${renewing.contactId}:2026-05-02`;
    const job = (await jobsById()).get(key);
    assert.ok(job);
    // 10:30 in Berlin in May (CEST, +2) is 08:30Z.
    assert.equal(clock.now().getTime() + Number(job.opts.delay), utc('2026-05-02T08:30').getTime());
    clock.set(utc('2026-05-02T08:30'));
    await automations().processJob(job.data);
    assert.equal(await notes(renewing.conversationId, 'Contract renewal today'), 1);
    await job.remove();
    // A year later nothing is scheduled for it.
    clock.set(utc('2027-05-01T00:00'));
    await automations().sweepContactDates();
    assert.ok(![...(await jobsById()).keys()].some((id) => id.startsWith(`auto:${ruleId}:`)));
    const bad = await call(running.baseUrl, 'POST', '/api/automations', {
      token: admin,
      body: {
        name: 'bad',
        trigger: { type: 'contact_date', field: 'password', time: '25:00' },
        actions: [{ type: 'add_note', text: 'x' }],
      },
    });
    assert.equal(bad.status, 400);
  });
});
