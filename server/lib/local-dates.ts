/**
 * Dates that recur in a person's own timezone (birthdays, anniversaries, a custom date attribute): when
 * does "that day at 10:00 local time" happen. Pure; all timezone math is luxon's.
 *
 * Rules:
 * - A date is `YYYY-MM-DD` or `--MM-DD` (year unknown). A yearly date recurs every year on its month and
 *   day; a non-yearly one happens once, on its full date.
 * - 29 February in a year without it is celebrated on 28 February (the last day of February: the day
 *   still belongs to the birthday's month and comes before the person's "real" day would have).
 * - A local time that does not exist (the spring-forward gap) is moved forward by luxon; one that occurs
 *   twice (fall back) is the one luxon picks (the second, in standard time): either way it happens once.
 */
import { DateTime } from 'luxon';

const DATE = /^(\d{4}|-)-(\d{2})-(\d{2})$/;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** `MM-DD` of a `YYYY-MM-DD` or `--MM-DD` date, or null. */
export function monthDayOf(date: string | null | undefined): string | null {
  const match = date ? DATE.exec(date) : null;
  return match ? `${match[2]}-${match[3]}` : null;
}

/** Whether `zone` is an IANA zone luxon knows. */
export function isValidZone(zone: string): boolean {
  return DateTime.now().setZone(zone).isValid;
}

/** `HH:mm` → minutes after midnight (throws on a malformed value). */
export function minutesOfDay(time: string): number {
  const match = TIME.exec(time);
  if (!match) throw new Error(`not a time of day: ${time}`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/**
 * The instant of `date`'s occurrence in local `year` at `time` in `zone`, or null when a non-yearly date
 * is in another year or the date is malformed.
 */
export function occurrenceIn(input: {
  date: string;
  yearly: boolean;
  year: number;
  zone: string;
  time: string;
}): Date | null {
  const match = DATE.exec(input.date);
  if (!match) return null;
  if (!input.yearly && (match[1] === '-' || Number(match[1]) !== input.year)) return null;
  const month = Number(match[2]);
  let day = Number(match[3]);
  if (month === 2 && day === 29 && !DateTime.fromObject({ year: input.year }).isInLeapYear) day = 28;
  const minutes = minutesOfDay(input.time);
  const local = DateTime.fromObject(
    { year: input.year, month, day, hour: Math.floor(minutes / 60), minute: minutes % 60 },
    { zone: input.zone },
  );
  return local.isValid ? local.toJSDate() : null;
}

/**
 * The occurrences of `date` (local `time` in `zone`) that fall in `[from, to)`, with the local year each
 * belongs to (the year a greeting is "for": the once-a-year key).
 */
export function occurrencesBetween(input: {
  date: string;
  yearly: boolean;
  zone: string;
  time: string;
  from: Date;
  to: Date;
}): { year: number; at: Date }[] {
  const first = DateTime.fromJSDate(input.from, { zone: input.zone }).year - 1;
  const last = DateTime.fromJSDate(input.to, { zone: input.zone }).year + 1;
  const found: { year: number; at: Date }[] = [];
  for (let year = first; year <= last; year++) {
    const at = occurrenceIn({ ...input, year });
    if (at && at >= input.from && at < input.to) found.push({ year, at });
  }
  return found;
}

/**
 * The month-days (`MM-DD`) a stored date can have for its occurrence to fall on any local date in
 * `[from, to]` anywhere on earth (zones span UTC−12 to UTC+14): the UTC dates one day around the window,
 * plus `02-29` when 28 February of a common year is among them.
 */
export function candidateMonthDays(from: Date, to: Date): string[] {
  const days = new Set<string>();
  let cursor = DateTime.fromJSDate(from, { zone: 'utc' }).minus({ days: 1 }).startOf('day');
  const end = DateTime.fromJSDate(to, { zone: 'utc' }).plus({ days: 1 });
  while (cursor <= end) {
    days.add(cursor.toFormat('MM-dd'));
    if (cursor.month === 2 && cursor.day === 28 && !cursor.isInLeapYear) days.add('02-29');
    cursor = cursor.plus({ days: 1 });
  }
  return [...days];
}

/** Whether `at` falls in the nightly quiet window `start`–`end` (`HH:mm`, may wrap midnight) in `zone`. */
export function isQuietTime(at: Date, quiet: { start: string; end: string; zone: string }): boolean {
  const local = DateTime.fromJSDate(at, { zone: quiet.zone });
  const minute = local.hour * 60 + local.minute;
  const start = minutesOfDay(quiet.start);
  const end = minutesOfDay(quiet.end);
  if (start === end) return false;
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** The first instant at or after `at` outside the quiet window (its local end time, today or tomorrow). */
export function nextAllowedTime(at: Date, quiet: { start: string; end: string; zone: string }): Date {
  if (!isQuietTime(at, quiet)) return at;
  const end = minutesOfDay(quiet.end);
  const local = DateTime.fromJSDate(at, { zone: quiet.zone });
  let candidate = local.startOf('day').set({ hour: Math.floor(end / 60), minute: end % 60 });
  if (candidate <= local) candidate = candidate.plus({ days: 1 });
  return candidate.toJSDate();
}
