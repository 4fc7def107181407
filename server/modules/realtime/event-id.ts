/**
 * Realtime event ids: a global counter formatted as a zero-padded decimal string, so comparing two ids as
 * strings (what MongoDB's index and every client do) gives the same order as comparing the numbers.
 * Sixteen digits stay below Number.MAX_SAFE_INTEGER (9.007e15), so the counter never loses precision.
 */
export const EVENT_ID_DIGITS = 16;
const MAX_COUNTER = 10 ** EVENT_ID_DIGITS - 1;

/** Formats a counter value as an event id. */
export function formatEventId(counter: number): string {
  if (!Number.isSafeInteger(counter) || counter < 0 || counter > MAX_COUNTER) {
    throw new RangeError(`event counter out of range: ${counter}`);
  }
  return String(counter).padStart(EVENT_ID_DIGITS, '0');
}

/** Accepts ids with or without their leading zeros ("42" and "0000000000000042" are the same id). */
export const EVENT_ID_PATTERN = /^\d{1,16}$/;

/** Normalizes a client-sent id (already validated by EVENT_ID_PATTERN) to its stored form. */
export function normalizeEventId(id: string): string {
  return formatEventId(Number(id));
}
