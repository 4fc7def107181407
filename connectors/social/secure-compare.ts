import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time equality of two secrets or signatures. Both sides are hashed first, so neither their
 * content nor their length leaks through timing (timingSafeEqual alone requires equal lengths).
 */
export function safeEqual(received: string | undefined | null, expected: string): boolean {
  if (typeof received !== 'string' || received.length === 0 || expected.length === 0) return false;
  const a = createHash('sha256').update(received, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}
