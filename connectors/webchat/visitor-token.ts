/**
 * Visitor tokens and identity hashes (pure crypto). A visitor token is issued by the hub and names one
 * visitor of one inbox: `v1.<claims base64url>.<HMAC-SHA256 base64url>`. It lets the widget find its
 * history after a reload; with a verified identity the visitor key is derived from the site's identifier,
 * so the same person finds the same history on another device. Every comparison is constant time.
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

export function createVisitorTokens(secret: string) {
  const mac = (payload: string) => createHmac('sha256', secret).update(`visitor:${payload}`).digest();
  return {
    sign(claims: VisitorClaims): string {
      const payload = b64(JSON.stringify(claims));
      return `v1.${payload}.${b64(mac(payload))}`;
    },
    /** The claims of a well-formed, correctly signed token; null otherwise. */
    verify(token: string): VisitorClaims | null {
      if (token.length > 2048) return null;
      const [version, payload, signature] = token.split('.');
      if (version !== 'v1' || !payload || !signature) return null;
      if (!safeEqual(Buffer.from(signature, 'base64url'), mac(payload))) return null;
      try {
        const parsed = ClaimsSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
        return parsed.success ? parsed.data : null;
      } catch {
        return null;
      }
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
