import { createHash, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import { AppError } from '../../lib/app-error';
import type { Metrics } from '../../lib/metrics';

/** A dependency the hub needs to serve requests; `check` rejects or returns false when it is down. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<boolean>;
}

const CHECK_TIMEOUT_MS = 2_000;

async function runCheck(check: ReadinessCheck): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check.check().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/healthz`: the process is alive. `/readyz`: every dependency answers (load balancers stop sending
 * traffic on 503). `/metrics`: Prometheus text format, behind `Authorization: Bearer <metricsToken>` when a
 * token is configured (queue depths and route names tell an outsider how the hub is used).
 */
export function createHealthRouter(deps: {
  checks: readonly ReadinessCheck[];
  metrics: Metrics;
  metricsToken?: string;
}): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const results = await Promise.all(deps.checks.map(async (c) => [c.name, await runCheck(c)] as const));
    const ready = results.every(([, ok]) => ok);
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'unavailable',
      checks: Object.fromEntries(results.map(([name, ok]) => [name, ok ? 'up' : 'down'])),
    });
  });
  router.get('/metrics', async (req, res) => {
    if (deps.metricsToken && !isBearer(req.headers.authorization, deps.metricsToken))
      throw new AppError('UNAUTHENTICATED', { userMessage: 'A metrics token is required.' });
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}

/** Constant-time check of `Bearer <expected>` (hashed first, so lengths never leak through timing). */
function isBearer(header: string | undefined, expected: string): boolean {
  const match = /^Bearer (.+)$/.exec(header ?? '');
  if (!match?.[1]) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(match[1]), digest(expected));
}
