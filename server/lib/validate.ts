import type { z } from 'zod';
import { AppError } from './app-error';

/**
 * Parses input that crossed a boundary (HTTP body, params, query, socket payload, job data) with a zod
 * schema; failures become a 400 AppError listing the invalid fields.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'request'): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const fields = result.error.issues.map((issue) => ({
      path: issue.path.join('.'),
      message: issue.message,
    }));
    throw new AppError('INVALID_INPUT', {
      userMessage: `Invalid ${what}: ${fields.map((f) => (f.path ? `${f.path}: ${f.message}` : f.message)).join('; ')}`,
      details: fields,
    });
  }
  return result.data;
}
