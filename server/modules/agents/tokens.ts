import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Opaque bearer tokens: 32 random bytes (256 bits), base64url, with a kind prefix so that a leaked token is
 * recognisable (secret scanners, logs). The server keeps only their sha256: a database leak yields nothing
 * usable, and since the token has full entropy a plain fast hash is enough (no salt or KDF needed).
 */
export const TOKEN_PREFIX = { access: 'oha_', refresh: 'ohr_', integration: 'ohk_' } as const;
export type TokenKind = keyof typeof TOKEN_PREFIX;

const TOKEN_PATTERN = /^oh[ark]_[A-Za-z0-9_-]{43}$/;

export function generateToken(kind: TokenKind): string {
  return `${TOKEN_PREFIX[kind]}${randomBytes(32).toString('base64url')}`;
}

/** sha256 hex of a token: the only form in which tokens are stored and looked up. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** True when `token` has the shape of a token of `kind` (cheap rejection before any database work). */
export function isWellFormedToken(token: string, kind: TokenKind): boolean {
  return TOKEN_PATTERN.test(token) && token.startsWith(TOKEN_PREFIX[kind]);
}

/** Constant-time equality of two hex digests (false when lengths differ). */
export function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

/** The bearer token of an `Authorization` header, or null. */
export function parseBearer(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}
