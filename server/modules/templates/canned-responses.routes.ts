import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
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
  router.get('/', async (req, res) => {
    const query = parseInput(SearchSchema, req.query, 'query');
    res.json(await canned.search(viewer(req), query));
  });
  router.get('/:id', async (req, res) => {
    const { id } = parseInput(IdSchema, req.params, 'id');
    res.json(await canned.get(id, viewer(req)));
  });
  router.post('/', async (req, res) => {
    const input = parseInput(CannedInputSchema, req.body, 'canned response');
    res.status(201).json(await canned.create(input, viewer(req)));
  });
  router.patch('/:id', async (req, res) => {
    const { id } = parseInput(IdSchema, req.params, 'id');
    const input = parseInput(UpdateSchema, req.body, 'canned response');
    res.json(await canned.update(id, input, viewer(req)));
  });
  router.delete('/:id', async (req, res) => {
    const { id } = parseInput(IdSchema, req.params, 'id');
    await canned.remove(id, viewer(req));
    res.status(204).end();
  });
  router.post('/:id/render', async (req, res) => {
    const { id } = parseInput(IdSchema, req.params, 'id');
    const { conversationId } = parseInput(RenderSchema, req.body, 'render');
    const who = viewer(req);
    const context = await deps.loadContext(conversationId, who);
    res.json(await canned.render(id, who, context));
  });
  return router;
}
