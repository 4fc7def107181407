import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';
import { AppError } from '../lib/app-error';

/**
 * A per-address limit on refused webhook requests (unsigned, badly signed, malformed, oversized). Only
 * refusals count (`skipSuccessfulRequests`): a provider's signed traffic never uses up the budget, while a
 * prober or a flood of junk is answered 429 before its body is even read. Mounted ahead of every webhook
 * router, so a connector's own body parser never sees the rejected requests.
 *
 * A failing store (Redis down) lets requests through: signed provider traffic must keep flowing, and the
 * signature check still refuses the rest.
 */
export function createWebhookRefusalLimiter(options: {
  /** Refusals allowed per address and minute. */
  perMinute: number;
  /** Shared counters across hub processes (Redis); the default memory store counts per process. */
  store?: Store;
}): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: options.perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skipSuccessfulRequests: true,
    passOnStoreError: true,
    ...(options.store ? { store: options.store } : {}),
    keyGenerator: (req) => `webhook:${ipKeyGenerator(req.ip ?? 'unknown')}`,
    handler: (_req, _res, next) => next(new AppError('RATE_LIMITED')),
  });
}
