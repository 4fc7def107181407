import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import {
  addBusinessMinutes,
  businessMinutesBetween,
  isBusinessTime,
  nextBusinessTime,
  validateCalendar,
  WEEKDAYS,
  type BusinessCalendar,
  type TimeRange,
} from '../../server/modules/sla/business-calendar';

const splitShift: TimeRange[] = [
  { start: '09:00', end: '12:00' },
  { start: '13:30', end: '18:00' },
];

/** Shanghai office: split shifts Mon–Fri (450 min/day), a half day before the National Day holiday. */
const shanghai: BusinessCalendar = {
  timezone: 'Asia/Shanghai',
  weekly: { mon: splitShift, tue: splitShift, wed: splitShift, thu: splitShift, fri: splitShift },
  holidays: [
    { date: '2026-09-30', ranges: [{ start: '09:00', end: '12:00' }] },
    { date: '2026-10-01', name: 'National Day' },
  ],
};

const allDay = (timezone: string): BusinessCalendar => ({
  timezone,
  weekly: Object.fromEntries(WEEKDAYS.map((d) => [d, [{ start: '00:00', end: '24:00' }]])),
});

const nineToFive: TimeRange[] = [{ start: '09:00', end: '17:00' }];
const newYork: BusinessCalendar = {
  timezone: 'America/New_York',
  weekly: { mon: nineToFive, tue: nineToFive, wed: nineToFive, thu: nineToFive, fri: nineToFive },
};

/** A local wall time in a zone, as a Date. */
const local = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toJSDate();
const sh = (iso: string) => local(iso, 'Asia/Shanghai');
const iso = (date: Date, zone: string) =>
  DateTime.fromJSDate(date, { zone }).toISO({ suppressMilliseconds: true });

describe('business calendar', () => {
  describe('addBusinessMinutes with split shifts', () => {
    it('adds within one working range', () => {
      assert.equal(
        iso(addBusinessMinutes(shanghai, sh('2026-09-28T09:30'), 60), 'Asia/Shanghai'),
        '2026-09-28T10:30:00+08:00',
      );
    });

    it('skips the lunch break between two ranges', () => {
      assert.deepEqual(addBusinessMinutes(shanghai, sh('2026-09-28T11:30'), 60), sh('2026-09-28T14:00'));
    });

    it('ends exactly at the end of a range instead of the start of the next one', () => {
      assert.deepEqual(addBusinessMinutes(shanghai, sh('2026-09-28T09:00'), 180), sh('2026-09-28T12:00'));
      assert.deepEqual(addBusinessMinutes(shanghai, sh('2026-09-28T13:30'), 270), sh('2026-09-28T18:00'));
      assert.deepEqual(addBusinessMinutes(shanghai, sh('2026-09-28T09:00'), 450), sh('2026-09-28T18:00'));
    });

    it('starts counting at the next range when started outside working time', () => {
      assert.deepEqual(addBusinessMinutes(shanghai, sh('2026-09-28T12:15'), 15), sh('2026-09-28T13:45'));
      assert.deepEqual(addBusinessMinutes(shanghai, sh('2026-09-28T06:00'), 1), sh('2026-09-28T09:01'));
      assert.deepEqual(addBusinessMinutes(shanghai, sh('2026-09-28T18:00'), 1), sh('2026-09-29T09:01'));
    });

    it('crosses midnight and weekends', () => {
      assert.deepEqual(addBusinessMinutes(shanghai, sh('2026-09-28T23:00'), 30), sh('2026-09-29T09:30'));
      assert.deepEqual(addBusinessMinutes(shanghai, sh('2026-09-26T10:00'), 30), sh('2026-09-28T09:30'));
      assert.deepEqual(addBusinessMinutes(shanghai, sh('2026-09-25T17:00'), 120), sh('2026-09-28T10:00'));
    });

    it('returns the start itself for zero minutes, even outside working time', () => {
      assert.deepEqual(addBusinessMinutes(shanghai, sh('2026-09-27T03:00'), 0), sh('2026-09-27T03:00'));
    });

    it('counts fractions of a minute', () => {
      assert.deepEqual(addBusinessMinutes(shanghai, sh('2026-09-28T11:59'), 1.5), sh('2026-09-28T13:30:30'));
    });
  });

  describe('holidays', () => {
    it('works only the ranges of a half day and skips a full holiday', () => {
      // Tue 17:00 + 120: 60 on Tuesday, then Wednesday is a half day from 09:00.
      assert.deepEqual(addBusinessMinutes(shanghai, sh('2026-09-29T17:00'), 120), sh('2026-09-30T10:00'));
      // Wed 11:00 + 120: 60 left on the half day, Thursday is a holiday, Friday from 09:00.
      assert.deepEqual(addBusinessMinutes(shanghai, sh('2026-09-30T11:00'), 120), sh('2026-10-02T10:00'));
    });

    it('counts no time on a holiday and only the half-day ranges', () => {
      assert.equal(businessMinutesBetween(shanghai, sh('2026-10-01T00:00'), sh('2026-10-02T00:00')), 0);
      assert.equal(businessMinutesBetween(shanghai, sh('2026-09-30T00:00'), sh('2026-10-01T00:00')), 180);
      assert.equal(isBusinessTime(shanghai, sh('2026-09-30T14:00')), false);
      assert.equal(isBusinessTime(shanghai, sh('2026-10-01T10:00')), false);
    });
  });

  describe('businessMinutesBetween', () => {
    it('sums the working time of a whole week', () => {
      assert.equal(businessMinutesBetween(shanghai, sh('2026-09-21T00:00'), sh('2026-09-28T00:00')), 5 * 450);
    });

    it('counts only the overlap with working ranges', () => {
      assert.equal(businessMinutesBetween(shanghai, sh('2026-09-28T11:00'), sh('2026-09-28T14:00')), 90);
      assert.equal(businessMinutesBetween(shanghai, sh('2026-09-26T11:00'), sh('2026-09-27T14:00')), 0);
    });

    it('is negative when the end is before the start', () => {
      assert.equal(businessMinutesBetween(shanghai, sh('2026-09-28T14:00'), sh('2026-09-28T11:00')), -90);
    });

    it('inverts addBusinessMinutes from any start', () => {
      let seed = 7;
      const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
      for (let i = 0; i < 300; i++) {
        const from = new Date(sh('2026-09-01T00:00').getTime() + Math.floor(random() * 60 * 24 * 3600_000));
        const amount = Math.floor(random() * 5000);
        const due = addBusinessMinutes(shanghai, from, amount);
        assert.equal(
          businessMinutesBetween(shanghai, from, due),
          amount,
          `from ${from.toISOString()} + ${amount}`,
        );
        if (amount > 0) assert.equal(isBusinessTime(shanghai, new Date(due.getTime() - 1)), true);
      }
    });
  });

  describe('isBusinessTime and nextBusinessTime', () => {
    it('includes the start of a range and excludes its end', () => {
      assert.equal(isBusinessTime(shanghai, sh('2026-09-28T09:00')), true);
      assert.equal(isBusinessTime(shanghai, sh('2026-09-28T11:59:59')), true);
      assert.equal(isBusinessTime(shanghai, sh('2026-09-28T12:00')), false);
      assert.equal(isBusinessTime(shanghai, sh('2026-09-28T18:00')), false);
    });

    it('finds the next working instant', () => {
      assert.deepEqual(nextBusinessTime(shanghai, sh('2026-09-26T10:00')), sh('2026-09-28T09:00'));
      assert.deepEqual(nextBusinessTime(shanghai, sh('2026-09-28T12:00')), sh('2026-09-28T13:30'));
      assert.deepEqual(nextBusinessTime(shanghai, sh('2026-09-28T10:00')), sh('2026-09-28T10:00'));
      assert.deepEqual(nextBusinessTime(shanghai, sh('2026-09-30T12:00')), sh('2026-10-02T09:00'));
    });
  });

  describe('daylight saving time', () => {
    it('counts a spring-forward day as 23 hours and a fall-back day as 25 in New York', () => {
      const ny = allDay('America/New_York');
      const at = (s: string) => local(s, 'America/New_York');
      assert.equal(businessMinutesBetween(ny, at('2026-03-07T12:00'), at('2026-03-08T12:00')), 23 * 60);
      assert.equal(businessMinutesBetween(ny, at('2026-10-31T12:00'), at('2026-11-01T12:00')), 25 * 60);
      assert.deepEqual(addBusinessMinutes(ny, at('2026-03-07T12:00'), 24 * 60), at('2026-03-08T13:00'));
      assert.deepEqual(addBusinessMinutes(ny, at('2026-10-31T12:00'), 24 * 60), at('2026-11-01T11:00'));
    });

    it('keeps office hours at local wall time across the New York change', () => {
      // Friday 16:00 EST + 120 business minutes = Monday 10:00 EDT (14:00 UTC, not 15:00).
      const due = addBusinessMinutes(newYork, local('2026-03-06T16:00', 'America/New_York'), 120);
      assert.equal(due.toISOString(), '2026-03-09T14:00:00.000Z');
      assert.equal(businessMinutesBetween(newYork, local('2026-03-06T16:00', 'America/New_York'), due), 120);
    });

    it('measures a range across the missing hour by elapsed time', () => {
      const night: BusinessCalendar = {
        timezone: 'America/New_York',
        weekly: { sun: [{ start: '01:00', end: '04:00' }] },
      };
      const day = local('2026-03-08T00:00', 'America/New_York');
      const next = local('2026-03-09T00:00', 'America/New_York');
      assert.equal(businessMinutesBetween(night, day, next), 120);
      assert.deepEqual(addBusinessMinutes(night, day, 90), new Date('2026-03-08T07:30:00Z'));
    });

    it('handles the Berlin changes in March and October', () => {
      const berlin = allDay('Europe/Berlin');
      const at = (s: string) => local(s, 'Europe/Berlin');
      assert.equal(businessMinutesBetween(berlin, at('2026-03-29T00:00'), at('2026-03-30T00:00')), 23 * 60);
      assert.equal(businessMinutesBetween(berlin, at('2026-10-25T00:00'), at('2026-10-26T00:00')), 25 * 60);
      const office: BusinessCalendar = {
        timezone: 'Europe/Berlin',
        weekly: { fri: nineToFive, mon: nineToFive },
      };
      const due = addBusinessMinutes(office, at('2026-10-23T16:30'), 60);
      assert.equal(due.toISOString(), '2026-10-26T08:30:00.000Z');
    });

    it('has every day last 24 hours in Shanghai, which has no DST', () => {
      const china = allDay('Asia/Shanghai');
      for (const d of ['2026-03-08', '2026-03-29', '2026-10-25', '2026-11-01']) {
        const start = sh(`${d}T00:00`);
        assert.equal(businessMinutesBetween(china, start, new Date(start.getTime() + 86_400_000)), 1440);
        assert.equal(addBusinessMinutes(china, start, 1440).getTime(), start.getTime() + 86_400_000);
      }
      assert.deepEqual(addBusinessMinutes(shanghai, sh('2026-03-06T17:00'), 120), sh('2026-03-09T10:00'));
      assert.equal(
        addBusinessMinutes(shanghai, sh('2026-03-06T17:00'), 120).toISOString(),
        '2026-03-09T02:00:00.000Z',
      );
    });
  });

  describe('validation', () => {
    it('reports overlapping or inverted ranges, bad dates and unknown zones', () => {
      const problems = validateCalendar({
        timezone: 'Mars/Olympus',
        weekly: {
          mon: [
            { start: '09:00', end: '12:00' },
            { start: '11:00', end: '13:00' },
          ],
          tue: [{ start: '10:00', end: '09:00' }],
        },
        holidays: [{ date: '2026-13-01' }],
      });
      assert.equal(problems.length, 4, problems.join('\n'));
      assert.deepEqual(validateCalendar(shanghai), []);
    });

    it('refuses to search forever on a calendar without working time', () => {
      assert.throws(
        () => addBusinessMinutes({ timezone: 'UTC', weekly: {} }, new Date('2026-01-01T00:00:00Z'), 1),
        /no working time/,
      );
    });
  });
});
