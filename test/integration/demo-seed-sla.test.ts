import assert from 'node:assert/strict';
import { addBusinessMinutes } from '../../server/modules/sla';
import { DEMO_CALENDAR } from '../../server/modules/demo';
import { startTestHub, testConfig, type RunningTestHub } from '../support/test-stack';
import { call } from './conversations-support';

describe('demo seed: calendar, SLA policies and team leads', function () {
  this.timeout(60_000);
  let running: RunningTestHub;
  let admin: string;

  before(async () => {
    running = await startTestHub({ config: testConfig({ SEED_DEMO: '1' }) });
    const login = await call(running.baseUrl, 'POST', '/api/auth/login', {
      body: { email: 'admin@demo.omnihub', password: 'demo' },
    });
    admin = login.body.token;
  });
  after(async () => running?.close());

  it('seeds a Shanghai calendar with 2026–2027 holidays, half days and adjusted working days', async () => {
    const calendars = await call(running.baseUrl, 'GET', '/api/sla/calendars', { token: admin });
    assert.equal(calendars.status, 200);
    const [calendar] = calendars.body.items;
    assert.equal(calendar.timezone, 'Asia/Shanghai');
    const byDate = new Map(calendar.holidays.map((h: { date: string }) => [h.date, h]));
    assert.ok(byDate.has('2026-02-17'), 'Spring Festival 2026');
    assert.ok(byDate.has('2027-10-01'), 'National Day 2027');
    assert.deepEqual(
      (byDate.get('2026-02-28') as { ranges: unknown[] }).ranges.length,
      2,
      'a working Saturday',
    );
    assert.deepEqual((byDate.get('2026-09-30') as { ranges: unknown[] }).ranges, [
      { start: '09:00', end: '12:00' },
    ]);
    // One business hour from Friday 2026-02-13 17:30 Shanghai: 30 min that day, then the working
    // Saturday 2026-02-14 09:00 → 09:30 (the Spring Festival break starts on Sunday).
    const due = addBusinessMinutes(DEMO_CALENDAR, new Date('2026-02-13T09:30:00Z'), 60);
    assert.equal(due.toISOString(), '2026-02-14T01:30:00.000Z');
    // Then nothing until Tuesday 2026-02-24 09:00 (the holiday runs to the 23rd).
    const after = addBusinessMinutes(DEMO_CALENDAR, new Date('2026-02-14T10:00:00Z'), 1);
    assert.equal(after.toISOString(), '2026-02-24T01:01:00.000Z');
  });

  it('seeds the complaint, VIP and default policies and gives every team a lead and the calendar', async () => {
    const policies = await call(running.baseUrl, 'GET', '/api/sla/policies', { token: admin });
    const byName = new Map(policies.body.items.map((p: { name: string }) => [p.name, p]));
    assert.deepEqual(
      [...byName.keys()].sort(),
      ['VIP / A 客户 VIP customers', '投诉 Complaints', '默认 Default'].sort(),
    );
    assert.equal((byName.get('默认 Default') as { isDefault: boolean }).isDefault, true);
    const teams = await call(running.baseUrl, 'GET', '/api/teams', { token: admin });
    for (const team of teams.body.items) {
      assert.ok(team.leadId, `${team.name} has a lead`);
      assert.ok(team.calendarId, `${team.name} has a calendar`);
    }
  });

  it('puts the seeded complaint stories on the complaint policy with due times', async () => {
    const list = await call(running.baseUrl, 'GET', '/api/conversations?category=complaint&limit=50', {
      token: admin,
    });
    assert.ok(list.body.items.length >= 3, JSON.stringify(list.body).slice(0, 300));
    for (const item of list.body.items) {
      const detail = await call(running.baseUrl, 'GET', `/api/conversations/${item.id}`, { token: admin });
      const conversation = detail.body.conversation ?? detail.body;
      assert.equal(conversation.sla?.policyName, '投诉 Complaints', `#${conversation.number}`);
      assert.ok(conversation.sla.resolution, 'a resolution target');
      if (conversation.status === 'open')
        assert.ok(conversation.sla.resolutionDueAt, 'a running resolution clock');
    }
  });
});
