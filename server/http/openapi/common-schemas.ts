/** Response schemas every module shares: the error body, id-only answers, pages. */
import { z } from 'zod';

/** Every error answer (server/http/error-middleware.ts). */
export const ErrorResponseSchema = z
  .object({
    error: z
      .object({
        code: z.string(),
        message: z.string(),
        details: z.unknown().optional(),
      })
      .strict(),
  })
  .strict();

/** An ISO-8601 timestamp as the API writes it (`Date.toISOString()`). */
export const Timestamp = z.iso.datetime();
export const NullableTimestamp = Timestamp.nullable();

/** A cursor page (`nextCursor` null on the last page). */
export function cursorPage<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/** A plain list. */
export function itemList<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item) });
}
