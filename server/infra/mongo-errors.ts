/** MongoDB error shapes the modules act on (one place, the same for every driver path). */
import { AppError } from '../lib/app-error';

/** MongoDB's duplicate-key error (E11000); `key` narrows it to one index by key or name fragment. */
export function isDuplicateKeyError(error: unknown, key?: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, keyPattern, message } = error as { code?: unknown; keyPattern?: unknown; message?: unknown };
  if (code !== 11000) return false;
  if (!key) return true;
  if (keyPattern && typeof keyPattern === 'object') return key in keyPattern;
  return typeof message === 'string' && message.includes(key);
}

/** A duplicate-key error as a 409 with the user's message; any other error unchanged (`throw` the result). */
export function conflictIfDuplicate(error: unknown, userMessage: string): unknown {
  return isDuplicateKeyError(error) ? new AppError('CONFLICT', { userMessage, cause: error }) : error;
}
