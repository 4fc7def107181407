import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { documentRoutes } from '../../http/openapi';
import { parseInput } from '../../lib/validate';
import { getPrincipal } from '../agents';
import type { ComplaintHandling } from './sla-complaints';
import type { CsatSettings } from './sla-csat-settings';

const objectId = z.string().regex(/^[0-9a-f]{24}$/i, 'must be an id');
const OwnerSchema = z.object({ ownerId: objectId.nullable() }).strict();
const InboxParams = z.object({ inboxId: z.string().min(1).max(100) });
const CsatSettingSchema = z.object({ enabled: z.boolean() }).strict();
const IdParams = z.object({ id: objectId });
const OwnerResultSchema = z.object({
  conversationId: z.string(),
  ownerId: z.string().nullable(),
  previousOwnerId: z.string().nullable(),
});
const CsatSettingViewSchema = z.object({ inboxId: z.string(), enabled: z.boolean() });
const CsatSettingListSchema = z.object({
  items: z.array(
    CsatSettingViewSchema.extend({ updatedBy: z.string().nullable(), updatedAt: z.iso.datetime() }),
  ),
});

/**
 * `PUT /api/complaints/:id/owner {ownerId}` (supervisors and admins): sets or changes the named person
 * responsible for a conversation (the team lead is the default owner of a complaint).
 */
export function createComplaintsRouter(deps: {
  complaints: ComplaintHandling;
  requireAuth: RequestHandler;
  requireSupervisor: RequestHandler;
}): Router {
  const router = Router();
  router.use(deps.requireAuth, deps.requireSupervisor);
  documentRoutes(router, { tags: ['SLA'], roles: ['supervisor', 'admin'] }).put(
    '/:id/owner',
    {
      summary: "Set or change the person responsible for a conversation (a complaint's owner)",
      params: IdParams,
      body: OwnerSchema,
      responses: { 200: OwnerResultSchema },
    },
    async (req, res) => {
      const { id } = parseInput(IdParams, req.params, 'conversation id');
      const { ownerId } = parseInput(OwnerSchema, req.body, 'owner');
      res.json(await deps.complaints.setOwner(id, ownerId));
    },
  );
  return router;
}

/**
 * `/api/sla/csat-settings`: `GET /` (supervisors, admins) lists inboxes that changed the default (on);
 * `PUT /:inboxId {enabled}` (admins) turns the CSAT question after resolution on or off for an inbox.
 */
export function createCsatSettingsRouter(deps: {
  settings: CsatSettings;
  requireAuth: RequestHandler;
  requireSupervisor: RequestHandler;
  requireAdmin: RequestHandler;
}): Router {
  const router = Router();
  router.use(deps.requireAuth, deps.requireSupervisor);
  const api = documentRoutes(router, { tags: ['SLA'], roles: ['supervisor', 'admin'] });
  api.get(
    '/',
    {
      summary: 'Inboxes whose CSAT question after resolution differs from the default (on)',
      responses: { 200: CsatSettingListSchema },
    },
    async (_req, res) => void res.json({ items: await deps.settings.list() }),
  );
  api.put(
    '/:inboxId',
    {
      summary: 'Turn the CSAT question after resolution on or off for an inbox',
      roles: ['admin'],
      params: InboxParams,
      body: CsatSettingSchema,
      responses: { 200: CsatSettingViewSchema },
    },
    deps.requireAdmin,
    async (req, res) => {
      const { inboxId } = parseInput(InboxParams, req.params, 'inbox');
      const { enabled } = parseInput(CsatSettingSchema, req.body, 'csat setting');
      res.json(await deps.settings.set(inboxId, enabled, getPrincipal(req).agentId));
    },
  );
  return router;
}
