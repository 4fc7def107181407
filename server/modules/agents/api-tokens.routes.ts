import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { documentRoutes } from '../../http/openapi';
import { parseInput } from '../../lib/validate';
import { ApiTokenViewSchema, CreatedApiTokenSchema } from './agents.schemas';
import { API_TOKEN_SCOPES } from './api-token-scopes';
import type { ApiTokensService } from './api-tokens.service';
import { getPrincipal } from './auth.middleware';

const CreateApiTokenSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    scopes: z.array(z.enum(API_TOKEN_SCOPES)).min(1).max(API_TOKEN_SCOPES.length),
    expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
  })
  .strict();
const IdParams = z.object({ id: z.string().min(1).max(64) });

/** `/api/api-tokens` (admins only; an API token itself can never reach it): make, list, revoke. */
export function createApiTokensRouter(deps: {
  apiTokens: ApiTokensService;
  requireAuth: RequestHandler;
  requireAdmin: RequestHandler;
}): Router {
  const router = Router();
  router.use(deps.requireAuth, deps.requireAdmin);
  const api = documentRoutes(router, { tags: ['API tokens'], roles: ['admin'] });

  api.get(
    '/',
    {
      summary: 'List API tokens (never their secrets)',
      description: 'A login token only: an API token can never list, make or revoke tokens.',
      responses: { 200: z.object({ items: z.array(ApiTokenViewSchema) }) },
    },
    async (_req, res) => {
      res.json({ items: await deps.apiTokens.list() });
    },
  );

  api.post(
    '/',
    {
      summary: 'Make an API token (the secret is in this answer only)',
      body: CreateApiTokenSchema,
      responses: { 201: CreatedApiTokenSchema },
    },
    async (req, res) => {
      const input = parseInput(CreateApiTokenSchema, req.body, 'API token');
      const created = await deps.apiTokens.create(
        {
          name: input.name,
          scopes: input.scopes,
          ...(input.expiresAt ? { expiresAt: new Date(input.expiresAt) } : {}),
        },
        getPrincipal(req).agentId,
      );
      res.status(201).json({ ...created.apiToken, token: created.token });
    },
  );

  api.delete(
    '/:id',
    {
      summary: 'Revoke an API token (refused at once on every hub process)',
      params: IdParams,
      responses: { 200: ApiTokenViewSchema },
    },
    async (req, res) => {
      const { id } = parseInput(IdParams, req.params, 'API token');
      res.json(await deps.apiTokens.revoke(id, getPrincipal(req).agentId));
    },
  );

  return router;
}
