import { Router, type RequestHandler } from 'express';
import { documentRoutes } from '../../http/openapi';
import { parseInput } from '../../lib/validate';
import {
  CreateInboxSchema,
  InboxIdSchema,
  InboxListQuerySchema,
  InboxPageSchema,
  InboxViewSchema,
  UpdateInboxSchema,
} from './inbox.schemas';
import type { InboxService } from './inbox.service';

/** Admin API for configured channels: `GET/POST /api/inboxes`, `GET/PATCH /api/inboxes/:id` (admins only). */
export function createInboxesRouter(deps: {
  inboxes: InboxService;
  requireAuth: RequestHandler;
  requireAdmin: RequestHandler;
}): Router {
  const router = Router();
  router.use(deps.requireAuth, deps.requireAdmin);
  const api = documentRoutes(router, { tags: ['Inboxes'], roles: ['admin'] });

  api.get(
    '/',
    {
      summary: 'List inboxes (configured channels)',
      query: InboxListQuerySchema,
      responses: { 200: InboxPageSchema },
    },
    async (req, res) => {
      const query = parseInput(InboxListQuerySchema, req.query, 'query');
      res.json(await deps.inboxes.list(query));
    },
  );

  api.post(
    '/',
    {
      summary: 'Create an inbox (credentials are sealed at rest)',
      body: CreateInboxSchema,
      responses: { 201: InboxViewSchema },
    },
    async (req, res) => {
      const input = parseInput(CreateInboxSchema, req.body, 'inbox');
      res.status(201).json(await deps.inboxes.create(input));
    },
  );

  api.get(
    '/:id',
    { summary: 'One inbox', params: InboxIdSchema, responses: { 200: InboxViewSchema } },
    async (req, res) => {
      const { id } = parseInput(InboxIdSchema, req.params, 'inbox id');
      res.json(await deps.inboxes.get(id));
    },
  );

  api.patch(
    '/:id',
    {
      summary: 'Change an inbox (a credential set to null is removed)',
      params: InboxIdSchema,
      body: UpdateInboxSchema,
      responses: { 200: InboxViewSchema },
    },
    async (req, res) => {
      const { id } = parseInput(InboxIdSchema, req.params, 'inbox id');
      const input = parseInput(UpdateInboxSchema, req.body, 'inbox');
      res.json(await deps.inboxes.update(id, input));
    },
  );

  return router;
}
