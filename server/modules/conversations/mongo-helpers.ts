import mongoose from 'mongoose';

/**
 * Marks a query operator object as ours. The hub's connection sanitizes filters (`sanitizeFilter`), which
 * turns any `$`-object into a literal `$eq` match: operators the code itself writes must be marked trusted,
 * and user input never is.
 */
export function op<T extends object>(operator: T): T {
  return mongoose.trusted(operator);
}

/** Collapses whitespace and bounds the length of user search text. */
export function normalizeSearchText(q: string, max = 100): string {
  return q.trim().replace(/\s+/g, ' ').slice(0, max);
}
