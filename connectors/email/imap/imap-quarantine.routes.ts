/**
 * Admin API for quarantined IMAP messages, mounted under `/api` by the email plug-in (admins only):
 *
 * - `GET    /api/email/imap/quarantine?limit&cursor` newest first, `{ entries, nextCursor }`;
 * - `GET    /api/email/imap/quarantine/:id/raw` the message as received (`message/rfc822`, a download);
 * - `POST   /api/email/imap/quarantine/:id/retry` hands it over again (after a parser fix); 200 once
 *   imported, and it leaves the quarantine;
 * - `DELETE /api/email/imap/quarantine/:id` drops it (the original stays on the IMAP server).
 */
import { Router, type Request } from 'express';
import { z } from 'zod';
import { documentRoutes } from '../../../server/http/openapi';
import type { ConnectorHubServices, ConnectorLogger } from '../../channel';
import type { ImapPollers } from './imap-pollers';

const ListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z
    .string()
    .regex(/^\d{1,16}$/)
    .optional(),
});
const IdParams = z.object({ id: z.string().regex(/^[0-9a-f]{24}$/) });
const EntrySchema = z.object({
  id: z.string(),
  inboxId: z.string(),
  mailbox: z.string(),
  uidValidity: z.string(),
  uid: z.number().int(),
  messageId: z.string().nullable(),
  subject: z.string().nullable(),
  from: z.string().nullable(),
  size: z.number().int(),
  /** False when the raw message was larger than the cap and only the entry was kept. */
  rawKept: z.boolean(),
  attempts: z.number().int(),
  error: z.string(),
  quarantinedAt: z.iso.datetime(),
});
const ListSchema = z.object({ entries: z.array(EntrySchema), nextCursor: z.string().nullable() });

export function createImapQuarantineRouter(deps: {
  pollers: ImapPollers;
  hub: Pick<ConnectorHubServices, 'staff'>;
  logger: ConnectorLogger;
}): Router {
  const router = Router();
  // Typed explicitly so that `staff.fail(...)` (never returns) narrows what follows it.
  const staff: ConnectorHubServices['staff'] = deps.hub.staff;
  const { quarantine } = deps.pollers;

  function requireAdmin(req: Request): void {
    if (staff.principal(req).role !== 'admin') staff.fail('FORBIDDEN', 'Only admins see quarantined mail.');
  }
  function idOf(req: Request): string {
    const params = IdParams.safeParse(req.params);
    if (!params.success) staff.fail('NOT_FOUND', 'No such quarantined message.');
    return params.data.id;
  }

  const api = documentRoutes(router, { tags: ['Email'], roles: ['admin'] });
  api.get(
    '/email/imap/quarantine',
    {
      summary: 'IMAP messages the parser refused (quarantined), newest first',
      query: ListQuery,
      responses: { 200: ListSchema },
    },
    staff.requireAuth,
    async (req, res) => {
      requireAdmin(req);
      const query = ListQuery.safeParse(req.query);
      if (!query.success) staff.fail('INVALID_INPUT', 'Invalid quarantine query.');
      const { limit, cursor } = query.data;
      res.json(await quarantine.list({ limit, ...(cursor ? { before: Number(cursor) } : {}) }));
    },
  );

  api.get(
    '/email/imap/quarantine/:id/raw',
    {
      summary: 'The quarantined message as received (a download)',
      params: IdParams,
      responses: { 200: { contentType: 'message/rfc822' } },
    },
    staff.requireAuth,
    async (req, res) => {
      requireAdmin(req);
      const id = idOf(req);
      const raw = await quarantine.getRaw(id);
      if (!raw) staff.fail('NOT_FOUND', 'The raw message is not kept (too large, or no such entry).');
      // A download, never rendered by the browser: the content is untrusted mail.
      res
        .status(200)
        .set({
          'content-type': 'message/rfc822',
          'content-disposition': `attachment; filename="quarantined-${id}.eml"`,
          'x-content-type-options': 'nosniff',
        })
        .send(raw);
    },
  );

  api.post(
    '/email/imap/quarantine/:id/retry',
    {
      summary: 'Import a quarantined message again (after a parser fix)',
      params: IdParams,
      responses: { 200: z.object({ id: z.string(), status: z.literal('imported') }) },
    },
    staff.requireAuth,
    async (req, res) => {
      requireAdmin(req);
      const id = idOf(req);
      let outcome: Awaited<ReturnType<ImapPollers['retryQuarantined']>>;
      try {
        outcome = await deps.pollers.retryQuarantined(id);
      } catch (error) {
        deps.logger.warn({ err: error, quarantineId: id }, 'quarantined message failed again');
        staff.fail('CONFLICT', 'The message still cannot be imported; it stays in quarantine.', error);
      }
      if (outcome === 'not-found') staff.fail('NOT_FOUND', 'No such quarantined message.');
      if (outcome === 'no-raw')
        staff.fail('CONFLICT', 'The raw message was too large to keep; fetch it from the mailbox.');
      res.json({ id, status: outcome });
    },
  );

  api.delete(
    '/email/imap/quarantine/:id',
    {
      summary: 'Drop a quarantined message (it stays on the IMAP server)',
      params: IdParams,
      responses: { 204: null },
    },
    staff.requireAuth,
    async (req, res) => {
      requireAdmin(req);
      const id = idOf(req);
      if (!(await quarantine.remove(id))) staff.fail('NOT_FOUND', 'No such quarantined message.');
      res.status(204).end();
    },
  );

  return router;
}
