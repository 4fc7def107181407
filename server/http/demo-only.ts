import { Router } from 'express';
import { AppError } from '../lib/app-error';

/**
 * Answers 404 for everything below its mount point: the customer simulator lets anyone post fake customer
 * messages without signing in, which suits the seeded demo and nothing else. Mounted with `parsesOwnBody`
 * so it runs before any other router and before the body parsers.
 */
export function createDemoOnlyGate(): Router {
  const router = Router();
  router.use(() => {
    throw new AppError('NOT_FOUND', { userMessage: 'The customer simulator is only part of the demo.' });
  });
  return router;
}
