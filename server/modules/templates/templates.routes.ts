import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { documentRoutes } from '../../http/openapi';
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

const iso = z.iso.datetime();
const refFields = { key: z.string(), channel: z.enum(TEMPLATE_CHANNELS), locale: z.enum(LOCALES) };
const partsView = z.object({ text: z.string().optional(), html: z.string().optional(), subject: z.string().optional() });
const TemplateSummarySchema = z.object({
  ...refFields,
  source: z.enum(['file', 'database']),
  version: z.number().int(),
  parts: z.array(z.string()),
  updatedBy: z.string().nullable(),
  updatedAt: iso.nullable(),
});
const TemplateSchema = z.object({
  ...refFields,
  source: z.enum(['file', 'database']),
  version: z.number().int(),
  parts: partsView,
  fileParts: partsView,
  overriddenParts: z.array(z.string()),
  variables: z.array(z.string()),
  updatedBy: z.string().nullable(),
  updatedAt: iso.nullable(),
});
const VersionsSchema = z.object({
  items: z.array(
    z
      .object({
        id: z.string(),
        ...refFields,
        version: z.number().int(),
        parts: partsView.nullable(),
        changedParts: z.array(z.string()),
        note: z.string().optional(),
        changedBy: z.string(),
        changedAt: iso,
      })
      .loose(),
  ),
});
const problem = z.object({ line: z.number(), column: z.number(), message: z.string() }).loose();
const PreviewResultSchema = z.object({
  text: z.string(),
  html: z.string().optional(),
  subject: z.string().optional(),
  problems: z.array(problem),
});

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
  const api = documentRoutes(router, { tags: ['Templates'], roles: ['supervisor', 'admin'] });
  const byRef = { params: RefSchema };

  api.get(
    '/',
    {
      summary: 'Every template (file or database override) by key, channel and locale',
      responses: { 200: z.object({ items: z.array(TemplateSummarySchema) }) },
    },
    async (_req, res) => void res.json({ items: await overrides.list() }),
  );
  api.get(
    '/:channel/:locale/:key',
    {
      summary: "A template's effective parts, the file's parts and its variables",
      ...byRef,
      responses: { 200: TemplateSchema },
    },
    async (req, res) => void res.json(await overrides.get(ref(req.params))),
  );
  api.get(
    '/:channel/:locale/:key/versions',
    { summary: 'Who changed the template, newest first', ...byRef, responses: { 200: VersionsSchema } },
    async (req, res) => void res.json({ items: await overrides.history(ref(req.params)) }),
  );
  api.post(
    '/:channel/:locale/:key/preview',
    {
      summary: 'Render the template (or unsaved parts) with sample data',
      ...byRef,
      body: PreviewSchema,
      responses: { 200: PreviewResultSchema },
    },
    async (req, res) => {
    const input = parseInput(PreviewSchema, req.body ?? {}, 'preview');
    res.json(await overrides.preview(ref(req.params), input));
  });
  api.put(
    '/:channel/:locale/:key',
    {
      summary: 'Save an override (refused with the error positions when it does not compile)',
      roles: ['admin'],
      ...byRef,
      body: SaveSchema,
      responses: { 200: TemplateSchema },
    },
    deps.requireAdmin,
    async (req, res) => {
    const input = parseInput(SaveSchema, req.body, 'template');
    res.json(await overrides.save(ref(req.params), input, getPrincipal(req).agentId));
  });
  api.delete(
    '/:channel/:locale/:key',
    {
      summary: 'Remove the override: the file template applies again',
      roles: ['admin'],
      ...byRef,
      responses: { 200: TemplateSchema },
    },
    deps.requireAdmin,
    async (req, res) => {
    res.json(await overrides.revert(ref(req.params), getPrincipal(req).agentId));
  });
  return router;
}
