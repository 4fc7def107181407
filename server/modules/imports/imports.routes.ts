import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { stringify } from 'csv-stringify';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { documentRoutes } from '../../http/openapi';
import { AppError } from '../../lib/app-error';
import { parseInput } from '../../lib/validate';
import { getPrincipal, type AuditService } from '../agents';
import { formatOfContentType } from './import-source';
import {
  ImportErrorsPageSchema,
  ImportErrorsQuery,
  ImportIdParams,
  ImportKindParams,
  ImportListSchema,
  ImportSchema,
  ListImportsQuery,
  StartImportQuery,
} from './imports.schemas';
import type { ImportsService } from './imports.service';

/**
 * `/api/imports` (admins): `POST /:kind` with the file as the body (`text/csv`, `application/json` for an
 * array, `application/x-ndjson` for JSON Lines; `?dryRun=1` writes nothing), answered 202 with the job;
 * `GET /:id` is its progress and counts; `GET /:id/errors` the per-row error report (JSON pages; `/:id/errors.csv`
 * the whole report as CSV). The module reads its own bodies (raw, up to `maxBytes`), so it carries the API limiter.
 */
export function createImportsRouter(deps: {
  imports: ImportsService;
  audit: AuditService;
  requireAuth: RequestHandler;
  requireAdmin: RequestHandler;
  rateLimit: RequestHandler;
  maxBytes: number;
}): Router {
  const router = Router();
  router.use(deps.rateLimit, deps.requireAuth, deps.requireAdmin);
  const rawBody = express.raw({ type: () => true, limit: deps.maxBytes });

  const api = documentRoutes(router, { tags: ['Imports'], roles: ['admin'] });

  api.post(
    '/:kind',
    {
      summary: 'Import a file of contacts or orders (or a dry run); answered at once, the work is a job',
      description:
        'The body is the file: text/csv (first row names the columns), application/json (an array of ' +
        'objects) or application/x-ndjson (JSON Lines). A broken file is refused (400), one too large or ' +
        'with too many rows 413, another media type 415. Poll GET /api/imports/{id} for progress.',
      params: ImportKindParams,
      query: StartImportQuery,
      bodyContentType: 'text/csv',
      body: z.string(),
      responses: { 202: ImportSchema },
    },
    rawBody,
    async (req, res) => {
      const { kind } = parseInput(ImportKindParams, req.params, 'import kind');
      const query = parseInput(StartImportQuery, req.query, 'query');
      const format = formatOfContentType(req.headers['content-type']);
      if (!format)
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', {
          userMessage: 'Send the file as text/csv, application/json (an array) or application/x-ndjson.',
        });
      const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (bytes.length === 0) throw new AppError('INVALID_INPUT', { userMessage: 'The file is empty.' });
      const principal = getPrincipal(req);
      const started = await deps.imports.start({
        kind,
        format,
        dryRun: query.dryRun === '1' || query.dryRun === 'true',
        bytes,
        filename: query.filename ?? null,
        actorId: principal.agentId,
      });
      await deps.audit.record({
        actorId: principal.agentId,
        action: started.dryRun ? 'import.dry-run' : 'import.started',
        subjectType: 'import',
        subjectId: started.id,
        details: { kind, format, rows: started.totalRows, bytes: started.sizeBytes },
      });
      res.status(202).location(`${req.baseUrl}/${started.id}`).json(started);
    },
  );

  api.get(
    '/',
    {
      summary: 'The latest imports, newest first',
      query: ListImportsQuery,
      responses: { 200: ImportListSchema },
    },
    async (req, res) => {
      const { limit } = parseInput(ListImportsQuery, req.query, 'query');
      res.json({ items: await deps.imports.list(limit) });
    },
  );

  api.get(
    '/:id',
    {
      summary: 'An import: status, progress and counts',
      params: ImportIdParams,
      responses: { 200: ImportSchema },
    },
    async (req, res) => {
      const { id } = parseInput(ImportIdParams, req.params, 'import id');
      res.json(await deps.imports.get(id));
    },
  );

  api.get(
    '/:id/errors',
    {
      summary: 'The per-row error report, in row order (pages: afterRow is the last row of the previous one)',
      params: ImportIdParams,
      query: ImportErrorsQuery,
      responses: { 200: ImportErrorsPageSchema },
    },
    async (req, res) => {
      const { id } = parseInput(ImportIdParams, req.params, 'import id');
      const query = parseInput(ImportErrorsQuery, req.query, 'query');
      res.json(await deps.imports.listErrors(id, query));
    },
  );

  api.get(
    '/:id/errors.csv',
    {
      summary: 'The whole per-row error report as CSV (row, line, field, message, excerpt)',
      params: ImportIdParams,
      responses: { 200: { contentType: 'text/csv' } },
    },
    async (req, res) => {
      const { id } = parseInput(ImportIdParams, req.params, 'import id');
      await deps.imports.get(id); // 404 before the CSV headers go out
      res.attachment(`import-${id}-errors.csv`).type('text/csv; charset=utf-8');
      const columns = ['row', 'line', 'field', 'message', 'excerpt'];
      await pipeline(Readable.from(deps.imports.streamErrors(id)), stringify({ header: true, columns }), res);
    },
  );

  return router;
}
