import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import { AppError } from '../../lib/app-error';
import { documentRoutes } from '../../http/openapi';
import { parseInput } from '../../lib/validate';
import type { AttachmentStore } from './attachment-store';

const ParamsSchema = z.strictObject({ key: z.string().regex(/^[0-9a-f]{32}$/, 'invalid attachment key') });

/** Whether the authenticated caller may see the conversation holding the file (the conversations rule). */
export type AttachmentAuthorizer = (
  principal: { agentId: string; role: string; teamIds: readonly string[] },
  key: string,
) => Promise<boolean>;

/**
 * `GET /api/attachments/:key` for authenticated agents who can see the conversation the file belongs to
 * (404 otherwise, as for a key that does not exist). Always a download (`Content-Disposition:
 * attachment`), never sniffed, never rendered as a page of ours (sandboxing CSP), whatever the bytes are.
 */
export function createAttachmentsRouter(deps: {
  store: AttachmentStore;
  requireAuth: RequestHandler;
  authorize: AttachmentAuthorizer;
}): Router {
  const router = Router();
  documentRoutes(router, { tags: ['Attachments'] }).get(
    '/:key',
    {
      summary: 'Download a stored attachment (of a conversation the caller may see)',
      description: "The `storageKey` of a timeline entry's attachment. Always a download, never rendered.",
      params: ParamsSchema,
      responses: {
        200: { contentType: 'application/octet-stream', description: 'The file, with its own media type' },
      },
    },
    deps.requireAuth,
    async (req, res) => {
      const { key } = parseInput(ParamsSchema, req.params, 'attachment');
      const principal = (req as Request & { principal?: Parameters<AttachmentAuthorizer>[0] }).principal;
      if (!principal) throw new AppError('UNAUTHENTICATED');
      const stored = (await deps.authorize(principal, key)) ? await deps.store.stat(key) : null;
      if (!stored) throw new AppError('NOT_FOUND', { userMessage: 'No such attachment.' });
      const stream = await deps.store.get(key);
      res.setHeader('Content-Type', stored.contentType);
      res.setHeader('Content-Length', String(stored.size));
      res.attachment(stored.filename);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
      res.setHeader('Cache-Control', 'private, max-age=3600');
      res.setHeader('ETag', `"${stored.sha256}"`);
      await new Promise<void>((resolve, reject) => {
        stream.once('error', reject);
        res.once('close', resolve);
        stream.pipe(res);
      }).catch((error: unknown) => {
        res.destroy(error as Error);
      });
    },
  );
  return router;
}
