/**
 * Abuse limits for the widget, counted in Redis across hub processes: fixed one-minute windows keyed by
 * client address, by inbox + visitor, and by address for new connections. Visitors behind one NAT share an
 * address, so the per-address limits are generous and the per-visitor one is tight; a limited visitor is
 * told how long to wait (the widget shows it), never silently dropped.
 */
import type { Redis } from 'ioredis';

export interface LimitDecision {
  allowed: boolean;
  /** Seconds until the window resets (when refused). */
  retryAfterSec: number;
}

export function createWebchatLimiter(deps: { redis: Redis; keyPrefix: string; now: () => number }) {
  async function hit(scope: string, id: string, perMinute: number): Promise<LimitDecision> {
    const window = Math.floor(deps.now() / 60_000);
    const key = `${deps.keyPrefix}:webchat:rl:${scope}:${id}:${window}`;
    const count = await deps.redis.incr(key);
    if (count === 1) await deps.redis.expire(key, 120);
    const retryAfterSec = Math.max(1, Math.ceil(((window + 1) * 60_000 - deps.now()) / 1000));
    return { allowed: count <= perMinute, retryAfterSec };
  }
  return {
    /** Every limit must allow; the longest wait wins. */
    async check(hits: { scope: string; id: string; perMinute: number }[]): Promise<LimitDecision> {
      const decisions = await Promise.all(hits.map((h) => hit(h.scope, h.id, h.perMinute)));
      const refused = decisions.filter((d) => !d.allowed);
      return refused.length
        ? { allowed: false, retryAfterSec: Math.max(...refused.map((d) => d.retryAfterSec)) }
        : { allowed: true, retryAfterSec: 0 };
    },
  };
}
export type WebchatLimiter = ReturnType<typeof createWebchatLimiter>;

const normalizeAddress = (address: string) => address.replace(/^::ffff:/, '').trim();

/**
 * The visitor's address: the socket's peer, unless that peer is a trusted proxy; then the right-most
 * X-Forwarded-For entry that is not a trusted proxy (entries left of it could be forged by the client).
 */
export function clientAddress(input: {
  peer: string;
  forwardedFor: string | string[] | undefined;
  trustedProxies: ReadonlySet<string>;
}): string {
  const peer = normalizeAddress(input.peer || 'unknown');
  if (!input.trustedProxies.has(peer) || !input.forwardedFor) return peer;
  const header = Array.isArray(input.forwardedFor) ? input.forwardedFor.join(',') : input.forwardedFor;
  const hops = header
    .split(',')
    .map(normalizeAddress)
    .filter((hop) => hop.length > 0 && hop.length <= 64);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (!input.trustedProxies.has(hop)) return hop;
  }
  return peer;
}

export function parseTrustedProxies(raw: string): ReadonlySet<string> {
  return new Set(
    raw
      .split(',')
      .map(normalizeAddress)
      .filter((entry) => entry.length > 0),
  );
}
