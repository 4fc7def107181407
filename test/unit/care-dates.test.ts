import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import {
  candidateMonthDays,
  isQuietTime,
  monthDayOf,
  nextAllowedTime,
  occurrenceIn,
  occurrencesBetween,
} from '../../server/lib/local-dates';
import { addBusinessDays, chooseCareTarget, isOptOutKeyword } from '../../server/modules/care';
import type { BusinessCalendar } from '../../server/modules/sla';

const local = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toJSDate();

describe('local dates (care and contact-date triggers)', () => {
  it('places a yearly date at the local time, moving a 29 February to the 28th in common years', () => {
    const at = (date: string, year: number, zone = 'Asia/Shanghai') =>
      occurrenceIn({ date, yearly: true, year, zone, time: '10:00' })?.toISOString();
    assert.equal(at('1990-12-05', 2026), '2026-12-05T02:00:00.000Z');
    assert.equal(at('--12-05', 2026, 'America/New_York'), '2026-12-05T15:00:00.000Z');
    assert.equal(at('2000-02-29', 2027), '2027-02-28T02:00:00.000Z');
    assert.equal(at('2000-02-29', 2028), '2028-02-29T02:00:00.000Z');
    assert.equal(at('nonsense', 2028), undefined);
    assert.equal(
      occurrenceIn({ date: '2026-05-02', yearly: false, year: 2027, zone: 'UTC', time: '10:00' }),
      null,
    );
  });

  it('moves a local time inside the spring-forward gap forward, and takes one of a repeated hour (luxon picks the second)', () => {
    const gap = occurrenceIn({
      date: '--03-08',
      yearly: true,
      year: 2026,
      zone: 'America/New_York',
      time: '02:30',
    });
    assert.equal(gap?.toISOString(), '2026-03-08T07:30:00.000Z'); // 03:30 EDT
    const repeated = occurrenceIn({
      date: '--11-01',
      yearly: true,
      year: 2026,
      zone: 'America/New_York',
      time: '01:30',
    });
    assert.equal(repeated?.toISOString(), '2026-11-01T06:30:00.000Z'); // 01:30 EST, the second one
  });

  it('lists the occurrences in a window with their local year, across the new year', () => {
    const found = occurrencesBetween({
      date: '--01-01',
      yearly: true,
      zone: 'Asia/Shanghai',
      time: '10:00',
      from: new Date('2026-12-31T00:00:00Z'),
      to: new Date('2027-01-02T00:00:00Z'),
    });
    assert.deepEqual(
      found.map((o) => [o.year, o.at.toISOString()]),
      [[2027, '2027-01-01T02:00:00.000Z']],
    );
  });

  it('asks for every month-day a date can have to fall in the window anywhere, with 02-29 in common years', () => {
    const days = candidateMonthDays(new Date('2027-02-28T00:00:00Z'), new Date('2027-02-28T12:00:00Z'));
    assert.deepEqual([...days].sort(), ['02-27', '02-28', '02-29', '03-01']);
    assert.equal(monthDayOf('--07-04'), '07-04');
  });

  it('knows quiet hours across midnight and when they end', () => {
    const quiet = { start: '21:00', end: '09:00', zone: 'Asia/Shanghai' };
    assert.equal(isQuietTime(local('2026-08-01T22:00', quiet.zone), quiet), true);
    assert.equal(isQuietTime(local('2026-08-02T08:59', quiet.zone), quiet), true);
    assert.equal(isQuietTime(local('2026-08-02T09:00', quiet.zone), quiet), false);
    assert.equal(
      nextAllowedTime(local('2026-08-01T22:00', quiet.zone), quiet).getTime(),
      local('2026-08-02T09:00', quiet.zone).getTime(),
    );
    assert.equal(
      nextAllowedTime(local('2026-08-02T03:00', quiet.zone), quiet).getTime(),
      local('2026-08-02T09:00', quiet.zone).getTime(),
    );
    const noon = local('2026-08-02T12:00', quiet.zone);
    assert.equal(nextAllowedTime(noon, quiet), noon);
  });
});

describe('care rules (pure)', () => {
  const office: BusinessCalendar = {
    timezone: 'Asia/Shanghai',
    weekly: Object.fromEntries(
      ['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [{ start: '09:00', end: '18:00' }]]),
    ),
    holidays: [{ date: '2026-10-01' }, { date: '2026-10-02' }],
  };

  it('counts whole business days on the calendar (weekends and holidays skipped)', () => {
    const z = office.timezone;
    assert.equal(
      addBusinessDays(office, local('2026-09-25T15:00', z), 1).getTime(),
      local('2026-09-28T09:00', z).getTime(),
    );
    assert.equal(
      addBusinessDays(office, local('2026-09-30T17:00', z), 1).getTime(),
      local('2026-10-05T09:00', z).getTime(),
    );
    assert.equal(
      addBusinessDays(office, local('2026-09-26T11:00', z), 2).getTime(),
      local('2026-09-29T09:00', z).getTime(),
    );
  });

  it('sends care on the preferred channel when a conversation used it, else the last one', () => {
    const at = (d: string) => new Date(d);
    const recent = [
      {
        id: 'wa',
        status: 'open',
        channel: 'whatsapp',
        inboxId: 'i-wa',
        primaryChannel: 'whatsapp',
        primaryInboxId: 'i-wa',
        lastMessageAt: at('2026-08-02'),
      },
      {
        id: 'sms',
        status: 'closed',
        channel: 'voice',
        inboxId: 'i-voice',
        primaryChannel: 'voice',
        primaryInboxId: 'i-voice',
        lastMessageAt: at('2026-07-01'),
      },
    ];
    assert.deepEqual(chooseCareTarget(recent, null), {
      kind: 'existing',
      conversationId: 'wa',
      channel: 'whatsapp',
      inboxId: 'i-wa',
    });
    assert.deepEqual(chooseCareTarget(recent, 'sms'), {
      kind: 'open',
      channel: 'voice',
      inboxId: 'i-voice',
      previousConversationId: 'sms',
    });
    assert.deepEqual(chooseCareTarget(recent, 'email'), chooseCareTarget(recent, null));
    assert.equal(chooseCareTarget([], 'sms'), null);
  });

  it('recognises an opt-out keyword only on its own', () => {
    for (const text of ['退订', ' STOP ', 'td', 'Unsubscribe.', '退订！'])
      assert.equal(isOptOutKeyword(text), true, text);
    for (const text of ['please stop calling me about the refund', '我不想退订', '', null])
      assert.equal(isOptOutKeyword(text), false, String(text));
  });
});
