/**
 * `/api/openapi.json` (the document) and `/api/docs` (Swagger UI on it, assets served by the hub). Both are
 * public: the API's shape is no secret (the source is open), and the docs page must load before a login.
 */
import express, { Router } from 'express';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { documentRoutes } from './api-routes';
import type { OpenApiDocument } from './openapi-document';

const pageDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'docs-page');
const swaggerDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
/**
 * The page's own script: a file of the hub, since the app's CSP allows no inline script. Tags start
 * collapsed: with every operation expanded, Swagger UI renders only what is in view (a page of 129
 * operations showed 5).
 */
const PAGE_SCRIPT = `window.addEventListener('load', () => {
  window.SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', deepLinking: true, docExpansion: 'none' });
});
`;
/** The Swagger UI files the page loads (the package's own demo page and its initializer stay out). */
const SWAGGER_ASSETS = new Set(['/swagger-ui.css', '/swagger-ui-bundle.js']);

const DocumentSchema = z
  .object({
    openapi: z.literal('3.1.0'),
    info: z.object({ title: z.string(), version: z.string() }).loose(),
    paths: z.record(z.string(), z.record(z.string(), z.unknown())),
  })
  .loose();

export function createOpenApiRouter(deps: { document: () => OpenApiDocument }): Router {
  const router = Router();
  const api = documentRoutes(router, { tags: ['API description'], auth: 'public' });
  api.get(
    '/openapi.json',
    { summary: 'This OpenAPI 3.1 document', responses: { 200: DocumentSchema } },
    (_req, res) => {
      res.json(deps.document());
    },
  );
  api.get(
    '/docs',
    {
      summary: 'The API docs page (Swagger UI on this document)',
      responses: { 200: { contentType: 'text/html' } },
    },
    (_req, res) => {
      res.sendFile(path.join(pageDir, 'index.html'));
    },
  );
  router.use('/docs/omnihub-docs.js', (_req, res) => {
    res.type('text/javascript').send(PAGE_SCRIPT);
  });
  const swaggerStatic = express.static(swaggerDir, { index: false });
  router.use('/docs', (req, res, next) =>
    SWAGGER_ASSETS.has(req.path) ? swaggerStatic(req, res, next) : next(),
  );
  return router;
}
