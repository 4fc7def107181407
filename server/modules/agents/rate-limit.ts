import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type IncrementResponse, type Store } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { AppError } from '../../lib/app-error';
import { hashToken, parseBearer } from './tokens';

const WINDOW_MS = 60_000;

/** INCR with the window's expiry set on the first hit; returns [hits, ms left]. */
const INCREMENT_SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {hits, ttl}
`;

/**
 * A fixed-window counter in Redis, so that every hub process behind a load balancer shares one limit
 * (express-rate-limit's default memory store counts per process).
 */
export class RedisRateLimitStore implements Store {
  readonly localKeys = false;
  readonly prefix: string;
  private windowMs = WINDOW_MS;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.prefix = prefix;
  }

  init(options: { windowMs: number }): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<IncrementResponse> {
    const [hits, ttl] = (await this.redis.eval(
      INCREMENT_SCRIPT,
      1,
      this.prefix + key,
      String(this.windowMs),
    )) as [number, number];
    return { totalHits: hits, resetTime: new Date(Date.now() + ttl) };
  }

  async decrement(key: string): Promise<void> {
    await this.redis.decr(this.prefix + key);
  }

  async resetKey(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }
}

export interface RateLimitOptions {
  perMinute: number;
  /** Counts per IP unless given (the login limiter adds the email). */
  key?: (ip: string, req: Request) => string;
  /** Only failed requests count (the login limiter: a correct password does not use up attempts). */
  countFailuresOnly?: boolean;
  store?: Store;
}

/** A per-minute limiter answering 429 `{error: {code: 'RATE_LIMITED'}}` through the error middleware. */
export function createRateLimiter(options: RateLimitOptions): RequestHandler {
  return rateLimit({
    windowMs: WINDOW_MS,
    limit: options.perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skipFailedRequests: false,
    skipSuccessfulRequests: options.countFailuresOnly ?? false,
    ...(options.store ? { store: options.store } : {}),
    keyGenerator: (req) => {
      const ip = ipKeyGenerator(req.ip ?? 'unknown');
      return options.key ? options.key(ip, req) : ip;
    },
    handler: (_req, _res, next) => next(new AppError('RATE_LIMITED')),
  });
}

/** The login limiter's key: the client's address and the email it tries (so one agent cannot be locked out from everywhere). */
export function loginRateLimitKey(ip: string, req: Request): string {
  const email = (req.body as { email?: unknown } | undefined)?.email;
  return `login:${ip}:${typeof email === 'string' ? email.trim().toLowerCase().slice(0, 320) : ''}`;
}

/**
 * The general API limiter's key: the session for a request that carries a bearer token, the address
 * otherwise. A contact center's agents often share one NAT address; counting them per address would let
 * fifty agents exhaust one budget. Unverified tokens only buy an attacker indexed lookups that fail.
 */
export function apiRateLimitKey(ip: string, req: Request): string {
  const token = parseBearer(req.headers.authorization);
  return token && token.length <= 200 ? `token:${hashToken(token)}` : `ip:${ip}`;
}
