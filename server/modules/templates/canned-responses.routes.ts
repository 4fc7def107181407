import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { documentRoutes } from '../../http/openapi';
import { parseInput } from '../../lib/validate';
import { getPrincipal } from '../agents';
import {
  CannedInputSchema,
  type CannedContext,
  type CannedResponses,
  type CannedViewer,
} from './canned-responses.service';
import { LOCALES } from './template-renderer';

const IdSchema = z.object({ id: z.string().regex(/^[0-9a-f]{24}$/i, 'must be an id') });
const SearchSchema = z.object({
  q: z.string().max(200).optional(),
  locale: z.enum(LOCALES).optional(),
  cursor: z
    .string()
    .regex(/^[0-9a-f]{24}$/i)
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
const UpdateSchema = CannedInputSchema.pick({ shortcut: true, title: true, text: true })
  .partial()
  .strict()
  .refine((input) => Object.keys(input).length > 0, 'nothing to change');
const RenderSchema = z.object({ conversationId: z.string().regex(/^[0-9a-f]{24}$/i) }).strict();
const CannedViewSchema = z.object({
  id: z.string(),
  shortcut: z.string(),
  title: z.string(),
  text: z.string(),
  locale: z.enum(LOCALES),
  scope: z.string(),
  teamId: z.string().nullable(),
  ownerId: z.string().nullable(),
  variables: z.array(z.string()),
  updatedAt: z.iso.datetime(),
});
const RenderedSchema = z.object({
  id: z.string(),
  shortcut: z.string(),
  locale: z.enum(LOCALES),
  text: z.string(),
  missing: z.array(z.string()),
});

/** Loads what a canned response needs from a conversation the viewer may see (404 otherwise). */
export type CannedContextLoader = (conversationId: string, viewer: CannedViewer) => Promise<CannedContext>;

/**
 * `/api/canned-responses` (every signed-in agent): search (`q` matches shortcut, title and text),
 * create a personal one (supervisors and admins also team and global ones), edit and delete what one
 * manages, and `POST /:id/render {conversationId}` → `{text, missing}` for the composer.
 */
export function createCannedResponsesRouter(deps: {
  canned: CannedResponses;
  loadContext: CannedContextLoader;
  requireAuth: RequestHandler;
}): Router {
  const { canned } = deps;
  const router = Router();
  router.use(deps.requireAuth);
  const viewer = (req: Parameters<RequestHandler>[0]): CannedViewer => {
    const principal = getPrincipal(req);
    return { agentId: principal.agentId, role: principal.role, teamIds: principal.teamIds };
  };
  const api = documentRoutes(router, { tags: ['Canned responses'] });
  api.get(
    '/',
    {
      summary: 'Search the canned responses this agent may use',
      query: SearchSchema,
      responses: { 200: z.object({ items: z.array(CannedViewSchema), nextCursor: z.string().nullable() }) },
    },
    async (req, res) => {
    const query = parseInput(SearchSchema, req.query, 'query');
    res.json(await canned.search(viewer(req), query));
  });
  api.get('/:id', { summary: 'One canned response', params: IdSchema, responses: { 200: CannedViewSchema } }, async (req, res) => {
    const { id } = parseInput(IdSchema, req.params, 'id');
    res.json(await canned.get(id, viewer(req)));
  });
  api.post(
    '/',
    {
      summary: 'Create a canned response (personal; team and global ones for supervisors and admins)',
      body: CannedInputSchema,
      responses: { 201: CannedViewSchema },
    },
    async (req, res) => {
    const input = parseInput(CannedInputSchema, req.body, 'canned response');
    res.status(201).json(await canned.create(input, viewer(req)));
  });
  api.patch(
    '/:id',
    {
      summary: 'Edit a canned response one manages',
      params: IdSchema,
      body: UpdateSchema,
      responses: { 200: CannedViewSchema },
    },
    async (req, res) => {
    const { id } = parseInput(IdSchema, req.params, 'id');
    const input = parseInput(UpdateSchema, req.body, 'canned response');
    res.json(await canned.update(id, input, viewer(req)));
  });
  api.delete(
    '/:id',
    { summary: 'Delete a canned response one manages', params: IdSchema, responses: { 204: null } },
    async (req, res) => {
    const { id } = parseInput(IdSchema, req.params, 'id');
    await canned.remove(id, viewer(req));
    res.status(204).end();
  });
  api.post(
    '/:id/render',
    {
      summary: "Fill the canned response's variables from a conversation (for the composer)",
      params: IdSchema,
      body: RenderSchema,
      responses: { 200: RenderedSchema },
    },
    async (req, res) => {
    const { id } = parseInput(IdSchema, req.params, 'id');
    const { conversationId } = parseInput(RenderSchema, req.body, 'render');
    const who = viewer(req);
    const context = await deps.loadContext(conversationId, who);
    res.json(await canned.render(id, who, context));
  });
  return router;
}
