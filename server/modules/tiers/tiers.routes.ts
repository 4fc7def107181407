import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { documentRoutes, Timestamp } from '../../http/openapi';
import { AppError } from '../../lib/app-error';
import { parseInput } from '../../lib/validate';
import type { TiersService } from './tiers.service';

const ContactParams = z.object({ id: z.string().regex(/^[0-9a-f]{24}$/i, 'must be a contact id') });
export const ContactRfmSchema = z.object({
  r: z.number().int().min(1).max(5),
  f: z.number().int().min(1).max(5),
  m: z.number().int().min(1).max(5),
  score: z.string().regex(/^[1-5]{3}$/),
  segment: z.string(),
  tier: z.enum(['A', 'B', 'C']),
  lastOrderAt: Timestamp,
  frequency: z.number().int(),
  monetary: z.string(),
  currency: z.string(),
  computedAt: Timestamp,
});

/**
 * `/api/tiers`: `GET /contacts/:id` a contact's RFM scores, segment and tier (every role: agents see it
 * beside the conversation); `POST /recompute` (admins) asks a worker to recompute now. Orders come in
 * through `/api/imports/orders`.
 */
export function createTiersRouter(deps: {
  tiers: TiersService;
  requireAuth: RequestHandler;
  requireAdmin: RequestHandler;
}): Router {
  const router = Router();
  router.use(deps.requireAuth);

  const api = documentRoutes(router, { tags: ['Tiers'] });

  api.get(
    '/contacts/:id',
    {
      summary: "A contact's RFM scores, segment and ABC tier (404 when it has no scored orders)",
      params: ContactParams,
      responses: { 200: ContactRfmSchema },
    },
    async (req, res) => {
      const { id } = parseInput(ContactParams, req.params, 'contact id');
      const rfm = await deps.tiers.findContactRfm(id);
      if (!rfm) throw new AppError('NOT_FOUND', { userMessage: 'This contact has no orders scored yet.' });
      res.json(rfm);
    },
  );

  api.post(
    '/recompute',
    {
      summary: 'Recompute every RFM score and tier now (a worker does it)',
      roles: ['admin'],
      responses: { 202: z.object({ queued: z.literal(true) }) },
    },
    deps.requireAdmin,
    async (_req, res) => {
      await deps.tiers.requestRecompute('manual');
      res.status(202).json({ queued: true });
    },
  );

  return router;
}
