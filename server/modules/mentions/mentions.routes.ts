import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { documentRoutes } from '../../http/openapi';
import { parseInput } from '../../lib/validate';
import { getPrincipal } from '../agents';
import type { MentionsService } from './mentions.service';

const ListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(30),
    cursor: z.string().max(200).optional(),
  })
  .strict();
const ReadBody = z
  .object({
    ids: z
      .array(z.string().regex(/^[0-9a-f]{24}$/i, 'must be an id'))
      .max(200)
      .optional(),
  })
  .strict();
const MentionListSchema = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      conversationId: z.string(),
      conversationNumber: z.number().int(),
      messageId: z.string(),
      authorId: z.string().nullable(),
      excerpt: z.string(),
      createdAt: z.iso.datetime(),
      readAt: z.iso.datetime().nullable(),
    }),
  ),
  unread: z.number().int(),
  nextCursor: z.string().nullable(),
});
const UnreadSchema = z.object({ unread: z.number().int() });

/**
 * `/api/mentions`: the signed-in agent's own mentions (nobody reads another's).
 *
 * - `GET /?limit&cursor` → `{items, unread, nextCursor}` newest first
 * - `POST /read {ids?}` → marks those (or all) read → `{unread}`
 */
export function createMentionsRouter(deps: {
  mentions: MentionsService;
  requireAuth: RequestHandler;
}): Router {
  const router = Router();
  router.use(deps.requireAuth);
  const api = documentRoutes(router, { tags: ['Mentions'] });
  api.get(
    '/',
    {
      summary: "The caller's mentions in internal notes, newest first",
      query: ListQuery,
      responses: { 200: MentionListSchema },
    },
    async (req, res) => {
      const query = parseInput(ListQuery, req.query, 'query');
      res.json(await deps.mentions.list(getPrincipal(req).agentId, query));
    },
  );
  api.post(
    '/read',
    {
      summary: 'Mark mentions (or all of them) read',
      body: ReadBody,
      responses: { 200: UnreadSchema },
    },
    async (req, res) => {
      const { ids } = parseInput(ReadBody, req.body ?? {}, 'read');
      res.json(await deps.mentions.markRead(getPrincipal(req).agentId, ids));
    },
  );
  return router;
}
