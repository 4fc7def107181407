import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { documentRoutes } from '../../http/openapi';
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

const iso = z.iso.datetime();
const SubscriptionSchema = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
  enabled: z.boolean(),
  /** Since when every delivery failed (a success clears it); a day of it disables the subscription. */
  failingSince: iso.nullable(),
  disabledAt: iso.nullable(),
  disabledReason: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: iso,
});
/** The answer to making a subscription: the only time its signing secret is shown. */
const CreatedSubscriptionSchema = SubscriptionSchema.extend({ secret: z.string() });
const DeliverySchema = z.object({
  id: z.string(),
  eventKey: z.string(),
  eventType: z.string(),
  attempt: z.number().int(),
  manual: z.boolean(),
  outcome: z.string(),
  responseStatus: z.number().int().nullable(),
  /** The first 500 characters of the receiver's answer. */
  responseExcerpt: z.string(),
  error: z.string().nullable(),
  latencyMs: z.number(),
  at: iso,
});

/** `/api/webhooks` (admins): subscriptions, their delivery log, manual redelivery. */
export function createWebhooksRouter(deps: {
  webhooks: WebhooksService;
  requireAuth: RequestHandler;
  requireAdmin: RequestHandler;
  principalId: (req: Parameters<RequestHandler>[0]) => string;
}): Router {
  const router = Router();
  router.use(deps.requireAuth, deps.requireAdmin);
  const api = documentRoutes(router, { tags: ['Outgoing webhooks'], roles: ['admin'] });
  const byId = { params: IdParams };
  api.get(
    '/',
    {
      summary: 'List webhook subscriptions',
      responses: { 200: z.object({ items: z.array(SubscriptionSchema) }) },
    },
    async (_req, res) => {
      res.json({ items: await deps.webhooks.list() });
    },
  );
  api.post(
    '/',
    {
      summary: 'Subscribe a URL to event types (the signing secret is in this answer only)',
      body: CreateSchema,
      responses: { 201: CreatedSubscriptionSchema },
    },
    async (req, res) => {
      const input = parseInput(CreateSchema, req.body, 'webhook subscription');
      res.status(201).json(await deps.webhooks.create(input, deps.principalId(req)));
    },
  );
  api.get(
    '/:id',
    { summary: 'One subscription', ...byId, responses: { 200: SubscriptionSchema } },
    async (req, res) => {
      res.json(await deps.webhooks.get(parseInput(IdParams, req.params, 'webhook').id));
    },
  );
  api.patch(
    '/:id',
    {
      summary: 'Change a subscription (`enabled: true` turns a disabled one back on)',
      ...byId,
      body: UpdateSchema,
      responses: { 200: SubscriptionSchema },
    },
    async (req, res) => {
      const { id } = parseInput(IdParams, req.params, 'webhook');
      res.json(await deps.webhooks.update(id, parseInput(UpdateSchema, req.body, 'webhook subscription')));
    },
  );
  api.delete(
    '/:id',
    { summary: 'Delete a subscription', ...byId, responses: { 204: null } },
    async (req, res) => {
      await deps.webhooks.remove(parseInput(IdParams, req.params, 'webhook').id);
      res.status(204).end();
    },
  );
  api.get(
    '/:id/deliveries',
    {
      summary: 'The delivery log, newest first (attempt, outcome, status, latency, answer excerpt)',
      ...byId,
      query: LogQuery,
      responses: { 200: z.object({ items: z.array(DeliverySchema) }) },
    },
    async (req, res) => {
      const { id } = parseInput(IdParams, req.params, 'webhook');
      const { limit } = parseInput(LogQuery, req.query, 'query');
      res.json({ items: await deps.webhooks.deliveries(id, limit) });
    },
  );
  api.post(
    '/:id/deliveries/:eventKey/redeliver',
    {
      summary: 'Deliver an event again (same event id: receivers dedupe on it)',
      params: RedeliverParams,
      responses: { 202: z.object({ queued: z.literal(true) }) },
    },
    async (req, res) => {
      const { id, eventKey } = parseInput(RedeliverParams, req.params, 'redelivery');
      await deps.webhooks.redeliver(id, eventKey);
      res.status(202).json({ queued: true });
    },
  );
  return router;
}
