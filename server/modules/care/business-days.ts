/**
 * Whole business days on an SLA calendar, built on the SLA module's `nextBusinessTime` (no business-time
 * arithmetic of its own): the Nth business day after an instant starts at the first working instant of
 * the Nth working day that follows the instant's local day.
 */
import { DateTime } from 'luxon';
import { nextBusinessTime, type BusinessCalendar } from '../sla';

/** The start of the `days`-th business day after `from`'s local day (weekends and holidays skipped). */
export function addBusinessDays(calendar: BusinessCalendar, from: Date, days: number): Date {
  let at = from;
  for (let day = 0; day < days; day++) {
    const nextLocalDay = DateTime.fromJSDate(at, { zone: calendar.timezone })
      .startOf('day')
      .plus({ days: 1 });
    at = nextBusinessTime(calendar, nextLocalDay.toJSDate());
  }
  return at;
}
