import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';

/**
 * argon2id with OWASP's baseline parameters (19 MiB, t=2, p=1). The library's defaults (64 MiB, t=3, p=4)
 * cost seconds per login on a loaded two-core machine, which turns a burst of logins at shift start into a
 * queue. Parameters live in each hash, so raising them later needs no migration (old hashes still verify).
 */
const HASH_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 8;
/** Bounds the work an attacker can make argon2 do per request. */
export const MAX_PASSWORD_LENGTH = 256;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, HASH_OPTIONS);
}

/** Constant-time by construction (argon2 compares digests in constant time); never throws on a bad hash. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * A hash of a random password with the real parameters. Logging in with an unknown email verifies against
 * it, so that an unknown email costs the same as a wrong password and response times do not reveal which
 * emails are agents.
 */
export function getDummyHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(32).toString('base64url'));
  return dummyHash;
}
