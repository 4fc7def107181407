import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { parseInput } from '../../lib/validate';
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

  router.get('/', async (_req, res) => {
    res.json({ items: await deps.apiTokens.list() });
  });

  router.post('/', async (req, res) => {
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
  });

  router.delete('/:id', async (req, res) => {
    const { id } = parseInput(IdParams, req.params, 'API token');
    res.json(await deps.apiTokens.revoke(id, getPrincipal(req).agentId));
  });

  return router;
}
