import mongoose from 'mongoose';

/**
 * Marks a query operator object as ours. The hub's connection sanitizes filters (`sanitizeFilter`), which
 * turns any `$`-object into a literal `$eq` match: operators the code itself writes must be marked trusted,
 * and user input never is.
 */
export function op<T extends object>(operator: T): T {
  return mongoose.trusted(operator);
}

/** MongoDB's duplicate-key error (E11000); `index` narrows it to one index by name fragment or key. */
export function isDuplicateKeyError(error: unknown, key?: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, keyPattern, message } = error as { code?: unknown; keyPattern?: unknown; message?: unknown };
  if (code !== 11000) return false;
  if (!key) return true;
  if (keyPattern && typeof keyPattern === 'object') return key in keyPattern;
  return typeof message === 'string' && message.includes(key);
}

/** Collapses whitespace and bounds the length of user search text. */
export function normalizeSearchText(q: string, max = 100): string {
  return q.trim().replace(/\s+/g, ' ').slice(0, max);
}
