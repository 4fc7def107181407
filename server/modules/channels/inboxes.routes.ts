import { Router, type RequestHandler } from 'express';
import { parseInput } from '../../lib/validate';
import { CreateInboxSchema, InboxIdSchema, InboxListQuerySchema, UpdateInboxSchema } from './inbox.schemas';
import type { InboxService } from './inbox.service';

/** Admin API for configured channels: `GET/POST /api/inboxes`, `GET/PATCH /api/inboxes/:id` (admins only). */
export function createInboxesRouter(deps: {
  inboxes: InboxService;
  requireAuth: RequestHandler;
  requireAdmin: RequestHandler;
}): Router {
  const router = Router();
  router.use(deps.requireAuth, deps.requireAdmin);

  router.get('/', async (req, res) => {
    const query = parseInput(InboxListQuerySchema, req.query, 'query');
    res.json(await deps.inboxes.list(query));
  });

  router.post('/', async (req, res) => {
    const input = parseInput(CreateInboxSchema, req.body, 'inbox');
    res.status(201).json(await deps.inboxes.create(input));
  });

  router.get('/:id', async (req, res) => {
    const { id } = parseInput(InboxIdSchema, req.params, 'inbox id');
    res.json(await deps.inboxes.get(id));
  });

  router.patch('/:id', async (req, res) => {
    const { id } = parseInput(InboxIdSchema, req.params, 'inbox id');
    const input = parseInput(UpdateInboxSchema, req.body, 'inbox');
    res.json(await deps.inboxes.update(id, input));
  });

  return router;
}
