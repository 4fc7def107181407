import { Types } from 'mongoose';
import { z } from 'zod';
import { AppError } from '../../lib/app-error';

/**
 * Cursor pagination shared by the identity lists (agents, teams, audit, contacts, organizations). A cursor
 * is opaque to clients: base64url of the last item's sort key. Lists never use skip/offset: a cursor keeps
 * its place while new items arrive, and the query stays on an index.
 */
export const PageQuerySchema = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Parses a 24-hex id from input, or throws 400 (`what` names the field) / returns null with `optional`. */
export function parseObjectId(value: unknown, what = 'id'): Types.ObjectId {
  if (typeof value !== 'string' || !Types.ObjectId.isValid(value) || !/^[0-9a-f]{24}$/i.test(value))
    throw new AppError('INVALID_INPUT', { userMessage: `Invalid ${what}.` });
  return new Types.ObjectId(value);
}

/** True for a 24-hex ObjectId string. */
export function isObjectIdString(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{24}$/i.test(value);
}

/** An id cursor: the last `_id` of the page (lists sorted by `_id`). */
export function encodeIdCursor(id: Types.ObjectId | string): string {
  return Buffer.from(String(id)).toString('base64url');
}

export function decodeIdCursor(cursor: string): Types.ObjectId {
  const raw = Buffer.from(cursor, 'base64url').toString();
  if (!isObjectIdString(raw)) throw new AppError('INVALID_INPUT', { userMessage: 'Invalid cursor.' });
  return new Types.ObjectId(raw);
}

/** A time cursor: the last item's time and `_id` (lists sorted by time then `_id`, both descending). */
export function encodeTimeCursor(at: Date, id: Types.ObjectId | string): string {
  return Buffer.from(`${at.getTime()}:${String(id)}`).toString('base64url');
}

export function decodeTimeCursor(cursor: string): { at: Date; id: Types.ObjectId } {
  const [ms, id] = Buffer.from(cursor, 'base64url').toString().split(':');
  const time = Number(ms);
  // A safe integer can still lie outside the Date range (±8.64e15 ms), which no list can sort by.
  const at = new Date(time);
  if (!Number.isSafeInteger(time) || Number.isNaN(at.getTime()) || !isObjectIdString(id))
    throw new AppError('INVALID_INPUT', { userMessage: 'Invalid cursor.' });
  return { at, id: new Types.ObjectId(id) };
}

/** Builds a page from `limit + 1` fetched items: the extra one only says that there is a next page. */
export function toPage<D, T>(
  docs: D[],
  limit: number,
  view: (doc: D) => T,
  cursorOf: (doc: D) => string,
): Page<T> {
  const hasMore = docs.length > limit;
  const pageDocs = hasMore ? docs.slice(0, limit) : docs;
  const last = pageDocs[pageDocs.length - 1];
  return { items: pageDocs.map(view), nextCursor: hasMore && last !== undefined ? cursorOf(last) : null };
}

/** Escapes user text for use inside a RegExp. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
