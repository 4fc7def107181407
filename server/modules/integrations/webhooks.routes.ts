import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { parseInput } from '../../lib/validate';
import { WEBHOOK_EVENT_TYPES } from './webhook-events';
import type { WebhooksService } from './webhooks.service';

const Events = z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(WEBHOOK_EVENT_TYPES.length);
const CreateSchema = z
  .object({ url: z.url().max(2000), events: Events, description: z.string().max(500).optional() })
  .strict();
const UpdateSchema = z
  .object({
    url: z.url().max(2000).optional(),
    events: Events.optional(),
    description: z.string().max(500).optional(),
    enabled: z.boolean().optional(),
  })
  .strict();
const IdParams = z.object({ id: z.string().min(1).max(64) });
const RedeliverParams = IdParams.extend({ eventKey: z.string().min(1).max(300) });
const LogQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });

/** `/api/webhooks` (admins): subscriptions, their delivery log, manual redelivery. */
export function createWebhooksRouter(deps: {
  webhooks: WebhooksService;
  requireAuth: RequestHandler;
  requireAdmin: RequestHandler;
  principalId: (req: Parameters<RequestHandler>[0]) => string;
}): Router {
  const router = Router();
  router.use(deps.requireAuth, deps.requireAdmin);
  router.get('/', async (_req, res) => {
    res.json({ items: await deps.webhooks.list() });
  });
  router.post('/', async (req, res) => {
    const input = parseInput(CreateSchema, req.body, 'webhook subscription');
    res.status(201).json(await deps.webhooks.create(input, deps.principalId(req)));
  });
  router.get('/:id', async (req, res) => {
    res.json(await deps.webhooks.get(parseInput(IdParams, req.params, 'webhook').id));
  });
  router.patch('/:id', async (req, res) => {
    const { id } = parseInput(IdParams, req.params, 'webhook');
    res.json(await deps.webhooks.update(id, parseInput(UpdateSchema, req.body, 'webhook subscription')));
  });
  router.delete('/:id', async (req, res) => {
    await deps.webhooks.remove(parseInput(IdParams, req.params, 'webhook').id);
    res.status(204).end();
  });
  router.get('/:id/deliveries', async (req, res) => {
    const { id } = parseInput(IdParams, req.params, 'webhook');
    const { limit } = parseInput(LogQuery, req.query, 'query');
    res.json({ items: await deps.webhooks.deliveries(id, limit) });
  });
  router.post('/:id/deliveries/:eventKey/redeliver', async (req, res) => {
    const { id, eventKey } = parseInput(RedeliverParams, req.params, 'redelivery');
    await deps.webhooks.redeliver(id, eventKey);
    res.status(202).json({ queued: true });
  });
  return router;
}
