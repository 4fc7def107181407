/**
 * Business-time arithmetic on a calendar (timezone, several working ranges per weekday, holidays with
 * optional half days). Pure: no I/O, no "now". All time-zone math is luxon's.
 *
 * Semantics (the bar in DESIGN §5):
 * - Working ranges are local wall-clock times in the calendar's zone; `end` may be `24:00`. A range maps
 *   to the absolute instants of its local start and end on that date, so a business minute is a real
 *   elapsed minute: the night a clock springs forward a 00:00–24:00 range lasts 23 hours, the night it
 *   falls back 25. A wall time that does not exist (the spring-forward gap) is moved forward by luxon.
 * - A holiday date without `ranges` has no working time; with `ranges` those replace the weekday's (a
 *   half day).
 * - `addBusinessMinutes` returns the earliest instant at which the given business time has elapsed: a
 *   due time that consumes a range exactly is that range's end (18:00), not the next morning.
 */
import { DateTime } from 'luxon';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A working range in local wall-clock time, `HH:mm` (end may be `24:00`). */
export interface TimeRange {
  start: string;
  end: string;
}

export interface Holiday {
  /** Local date `YYYY-MM-DD` in the calendar's zone. */
  date: string;
  name?: string;
  /** Working ranges that day (a half day); absent or empty means closed all day. */
  ranges?: TimeRange[];
}

export interface BusinessCalendar {
  /** IANA zone, e.g. `Asia/Shanghai`, `America/New_York`. */
  timezone: string;
  weekly: Partial<Record<Weekday, TimeRange[]>>;
  holidays?: Holiday[];
}

/** A calendar open around the clock: business time equals calendar time. */
export const ALWAYS_OPEN: BusinessCalendar = {
  timezone: 'UTC',
  weekly: Object.fromEntries(WEEKDAYS.map((day) => [day, [{ start: '00:00', end: '24:00' }]])),
};

const MINUTE_MS = 60_000;
/** How far ahead a search for working time goes before the calendar is declared empty. */
const MAX_SEARCH_DAYS = 3 * 366;

interface Interval {
  start: number;
  end: number;
}

interface Prepared {
  zone: string;
  weekly: Map<number, TimeRange[]>;
  holidays: Map<string, TimeRange[]>;
  /** Local days by their start instant, built once. */
  days: Map<number, Day>;
}

/** One local date of a calendar: its start instant, working intervals and the next day's start. */
interface Day {
  start: number;
  next: number;
  intervals: Interval[];
}

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;

/** Parses `HH:mm` into minutes after midnight; throws on a malformed value. */
export function parseTimeOfDay(value: string): number {
  if (!TIME.test(value)) throw new Error(`invalid time of day "${value}" (want HH:mm)`);
  const [hours, minutes] = value.split(':').map(Number) as [number, number];
  return hours * 60 + minutes;
}

/**
 * Checks a calendar: a known zone, well-formed ranges (start before end, not overlapping), valid holiday
 * dates. Returns the problems found (empty when valid).
 */
export function validateCalendar(calendar: BusinessCalendar): string[] {
  const problems: string[] = [];
  if (!DateTime.now().setZone(calendar.timezone).isValid)
    problems.push(`unknown timezone ${calendar.timezone}`);
  const checkRanges = (ranges: TimeRange[], where: string) => {
    let previousEnd = -1;
    const sorted = [...ranges].sort((a, b) => a.start.localeCompare(b.start));
    for (const range of sorted) {
      try {
        const start = parseTimeOfDay(range.start);
        const end = parseTimeOfDay(range.end);
        if (start >= end) problems.push(`${where}: ${range.start}–${range.end} ends before it starts`);
        if (start < previousEnd)
          problems.push(`${where}: ${range.start}–${range.end} overlaps another range`);
        previousEnd = Math.max(previousEnd, end);
      } catch (error) {
        problems.push(`${where}: ${(error as Error).message}`);
      }
    }
  };
  for (const day of WEEKDAYS) checkRanges(calendar.weekly[day] ?? [], day);
  for (const holiday of calendar.holidays ?? []) {
    if (!DateTime.fromISO(holiday.date, { zone: 'UTC' }).isValid || !/^\d{4}-\d{2}-\d{2}$/.test(holiday.date))
      problems.push(`holiday ${holiday.date}: not a YYYY-MM-DD date`);
    checkRanges(holiday.ranges ?? [], `holiday ${holiday.date}`);
  }
  return problems;
}

const prepared = new WeakMap<BusinessCalendar, Prepared>();

function prepare(calendar: BusinessCalendar): Prepared {
  let result = prepared.get(calendar);
  if (!result) {
    if (!DateTime.now().setZone(calendar.timezone).isValid)
      throw new Error(`unknown timezone ${calendar.timezone}`);
    const weekly = new Map<number, TimeRange[]>();
    WEEKDAYS.forEach((day, index) => weekly.set(index + 1, calendar.weekly[day] ?? []));
    const holidays = new Map<string, TimeRange[]>();
    for (const holiday of calendar.holidays ?? []) holidays.set(holiday.date, holiday.ranges ?? []);
    result = { zone: calendar.timezone, weekly, holidays, days: new Map() };
    prepared.set(calendar, result);
  }
  return result;
}

/** The local day starting at `start` (a local midnight), with its working intervals (sorted, disjoint). */
function dayStartingAt(cal: Prepared, start: number): Day {
  let day = cal.days.get(start);
  if (day) return day;
  const date = DateTime.fromMillis(start, { zone: cal.zone });
  const next = date.plus({ days: 1 }).startOf('day').toMillis();
  const ranges = cal.holidays.get(date.toISODate()!) ?? cal.weekly.get(date.weekday) ?? [];
  const at = (minutes: number) =>
    minutes >= 24 * 60
      ? next
      : DateTime.fromObject(
          {
            year: date.year,
            month: date.month,
            day: date.day,
            hour: Math.floor(minutes / 60),
            minute: minutes % 60,
          },
          { zone: cal.zone },
        ).toMillis();
  const intervals = ranges
    .map((range) => ({ start: at(parseTimeOfDay(range.start)), end: at(parseTimeOfDay(range.end)) }))
    .filter((interval) => interval.end > interval.start)
    .sort((a, b) => a.start - b.start);
  if (cal.days.size > 20_000) cal.days.clear();
  day = { start, next, intervals };
  cal.days.set(start, day);
  return day;
}

/** The local day containing `ms` in the calendar's zone. */
function dayOf(cal: Prepared, ms: number): Day {
  return dayStartingAt(cal, DateTime.fromMillis(ms, { zone: cal.zone }).startOf('day').toMillis());
}

/**
 * Adds business time: the earliest instant at which `minutes` business minutes have elapsed since `from`
 * (fractions allowed). Zero returns `from`. Throws when the calendar has no working time within three
 * years.
 */
export function addBusinessMinutes(calendar: BusinessCalendar, from: Date, minutes: number): Date {
  if (minutes < 0) throw new Error('addBusinessMinutes: minutes must not be negative');
  const cal = prepare(calendar);
  let remaining = Math.round(minutes * MINUTE_MS);
  let cursor = from.getTime();
  if (remaining === 0) return new Date(cursor);
  let day = dayOf(cal, cursor);
  for (let i = 0; i < MAX_SEARCH_DAYS; i++, day = dayStartingAt(cal, day.next)) {
    for (const interval of day.intervals) {
      if (interval.end <= cursor) continue;
      const start = Math.max(interval.start, cursor);
      const available = interval.end - start;
      if (remaining <= available) return new Date(start + remaining);
      remaining -= available;
      cursor = interval.end;
    }
  }
  throw new Error('addBusinessMinutes: the calendar has no working time within three years');
}

/**
 * Business minutes elapsed between `a` and `b` (fractional; negative when `b` is before `a`).
 */
export function businessMinutesBetween(calendar: BusinessCalendar, a: Date, b: Date): number {
  if (b.getTime() < a.getTime()) return -businessMinutesBetween(calendar, b, a);
  const cal = prepare(calendar);
  const from = a.getTime();
  const to = b.getTime();
  let total = 0;
  for (let day = dayOf(cal, from); day.start < to; day = dayStartingAt(cal, day.next)) {
    for (const interval of day.intervals) {
      const start = Math.max(interval.start, from);
      const end = Math.min(interval.end, to);
      if (end > start) total += end - start;
    }
  }
  return total / MINUTE_MS;
}

/** True when `at` falls inside a working range (a range's start is inside, its end is not). */
export function isBusinessTime(calendar: BusinessCalendar, at: Date): boolean {
  const cal = prepare(calendar);
  const ms = at.getTime();
  return dayOf(cal, ms).intervals.some((interval) => interval.start <= ms && ms < interval.end);
}

/** `at` itself when it is business time, else the start of the next working range. */
export function nextBusinessTime(calendar: BusinessCalendar, at: Date): Date {
  const cal = prepare(calendar);
  const ms = at.getTime();
  let day = dayOf(cal, ms);
  for (let i = 0; i < MAX_SEARCH_DAYS; i++, day = dayStartingAt(cal, day.next)) {
    for (const interval of day.intervals) {
      if (interval.end <= ms) continue;
      return new Date(Math.max(interval.start, ms));
    }
  }
  throw new Error('nextBusinessTime: the calendar has no working time within three years');
}
