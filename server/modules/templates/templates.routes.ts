import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { parseInput } from '../../lib/validate';
import { getPrincipal } from '../agents';
import type { TemplateOverrides } from './template-overrides.service';
import { LOCALES, TEMPLATE_CHANNELS } from './template-renderer';

const RefSchema = z.object({
  channel: z.enum(TEMPLATE_CHANNELS),
  locale: z.enum(LOCALES),
  key: z.string().regex(/^[a-z0-9-]{1,80}$/, 'a template key such as complaint-ack'),
});
const Source = z.string().max(20_000);
const PartsSchema = z
  .object({ text: Source.optional(), html: Source.optional(), subject: Source.max(500).optional() })
  .strict()
  .refine((parts) => Object.keys(parts).length > 0, 'at least one part');
const SaveSchema = z
  .object({
    parts: PartsSchema,
    expectedVersion: z.number().int().min(0).optional(),
    note: z.string().max(500).optional(),
  })
  .strict();
const PreviewSchema = z
  .object({
    parts: z
      .object({ text: Source.optional(), html: Source.optional(), subject: Source.max(500).optional() })
      .strict()
      .optional(),
    data: z.record(z.string().max(100), z.unknown()).optional(),
  })
  .strict();

/**
 * `/api/templates`: supervisors and admins read, preview and see the history; only admins save or revert
 * an override. Agents use canned responses instead (`/api/canned-responses`).
 *
 * - `GET /` → `{items: [{key, channel, locale, source, version, parts, updatedBy, updatedAt}]}`
 * - `GET /:channel/:locale/:key` → the effective parts, the file's parts, the allowed variables
 * - `GET /:channel/:locale/:key/versions` → who changed what, newest first
 * - `PUT /:channel/:locale/:key {parts, expectedVersion?, note?}` (admin) → 400 with positions when refused
 * - `DELETE /:channel/:locale/:key` (admin) → back to the file template
 * - `POST /:channel/:locale/:key/preview {parts?, data?}` → rendered with sample data
 */
export function createTemplatesRouter(deps: {
  overrides: TemplateOverrides;
  requireAuth: RequestHandler;
  requireReader: RequestHandler;
  requireAdmin: RequestHandler;
}): Router {
  const { overrides } = deps;
  const router = Router();
  router.use(deps.requireAuth, deps.requireReader);
  const ref = (params: unknown) => parseInput(RefSchema, params, 'template');

  router.get('/', async (_req, res) => void res.json({ items: await overrides.list() }));
  router.get('/:channel/:locale/:key', async (req, res) => void res.json(await overrides.get(ref(req.params))));
  router.get(
    '/:channel/:locale/:key/versions',
    async (req, res) => void res.json({ items: await overrides.history(ref(req.params)) }),
  );
  router.post('/:channel/:locale/:key/preview', async (req, res) => {
    const input = parseInput(PreviewSchema, req.body ?? {}, 'preview');
    res.json(await overrides.preview(ref(req.params), input));
  });
  router.put('/:channel/:locale/:key', deps.requireAdmin, async (req, res) => {
    const input = parseInput(SaveSchema, req.body, 'template');
    res.json(await overrides.save(ref(req.params), input, getPrincipal(req).agentId));
  });
  router.delete('/:channel/:locale/:key', deps.requireAdmin, async (req, res) => {
    res.json(await overrides.revert(ref(req.params), getPrincipal(req).agentId));
  });
  return router;
}
