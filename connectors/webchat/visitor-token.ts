/**
 * Visitor tokens and identity hashes (pure crypto). A visitor token is issued by the hub and names one
 * visitor of one inbox: `v1.<claims base64url>.<HMAC-SHA256 base64url>`. It lets the widget find its
 * history after a reload; with a verified identity the visitor key is derived from the site's identifier,
 * so the same person finds the same history on another device. Every comparison is constant time.
 *
 * Tokens expire: a token issued more than `lifetimeSec` ago (or dated in the future) is refused as
 * `expired`. The lifetime slides: every connection gets a freshly issued token, and a long-lived socket is
 * handed a new one once its token is older than `refreshAfterSec`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

const ClaimsSchema = z.strictObject({
  /** The visitor key (the contact's web chat identity). */
  k: z.string().min(1).max(300),
  /** Inbox id. */
  i: z.string().min(1).max(64),
  /** Issued at (seconds). */
  t: z.number().int().nonnegative(),
});
export type VisitorClaims = z.infer<typeof ClaimsSchema>;

const b64 = (data: Buffer | string) => Buffer.from(data).toString('base64url');

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Why a token was refused: not ours (forged, malformed, another secret) or too old. */
export type TokenRefusal = 'invalid' | 'expired';
export type TokenCheck = { ok: true; claims: VisitorClaims } | { ok: false; reason: TokenRefusal };

/** Clock skew tolerated for a token dated slightly in the future (another hub process's clock). */
const FUTURE_SKEW_SEC = 300;

export function createVisitorTokens(secret: string, options: { lifetimeSec: number; nowSec: () => number }) {
  const mac = (payload: string) => createHmac('sha256', secret).update(`visitor:${payload}`).digest();
  const invalid: TokenCheck = { ok: false, reason: 'invalid' };
  return {
    lifetimeSec: options.lifetimeSec,
    /** Refresh a socket's token once it is this old (a quarter of the lifetime, at most a day). */
    refreshAfterSec: Math.min(86_400, Math.floor(options.lifetimeSec / 4)),
    /** A token for the visitor, issued now. */
    issue(claims: Omit<VisitorClaims, 't'>): string {
      const payload = b64(JSON.stringify({ ...claims, t: options.nowSec() }));
      return `v1.${payload}.${b64(mac(payload))}`;
    },
    /** The claims of a well-formed, correctly signed, unexpired token; otherwise why it was refused. */
    verify(token: string): TokenCheck {
      if (token.length > 2048) return invalid;
      const [version, payload, signature] = token.split('.');
      if (version !== 'v1' || !payload || !signature) return invalid;
      if (!safeEqual(Buffer.from(signature, 'base64url'), mac(payload))) return invalid;
      let claims: VisitorClaims;
      try {
        const parsed = ClaimsSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
        if (!parsed.success) return invalid;
        claims = parsed.data;
      } catch {
        return invalid;
      }
      const age = options.nowSec() - claims.t;
      if (age > options.lifetimeSec || age < -FUTURE_SKEW_SEC) return { ok: false, reason: 'expired' };
      return { ok: true, claims };
    },
  };
}
export type VisitorTokens = ReturnType<typeof createVisitorTokens>;

/** What a site computes server-side: hex HMAC-SHA256 of the identifier with the inbox's identity secret. */
export function identityHash(secret: string, identifier: string): string {
  return createHmac('sha256', secret).update(identifier, 'utf8').digest('hex');
}

/** True when `hash` is the identifier's HMAC under `secret` (hex, case-insensitive, constant time). */
export function verifyIdentityHash(secret: string, identifier: string, hash: string): boolean {
  if (!/^[0-9a-fA-F]{64}$/.test(hash)) return false;
  return safeEqual(
    Buffer.from(hash.toLowerCase(), 'hex'),
    Buffer.from(identityHash(secret, identifier), 'hex'),
  );
}

/** The visitor key of an anonymous visitor (random) or of a verified identity (stable across devices). */
export const visitorKeys = {
  anonymous: (random: string) => `v_${random}`,
  identified: (inboxId: string, identifier: string) => `u_${inboxId}_${identifier}`,
  isIdentified: (key: string) => key.startsWith('u_'),
};
