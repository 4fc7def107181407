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

  router.get('/email/imap/quarantine', staff.requireAuth, async (req, res) => {
    requireAdmin(req);
    const query = ListQuery.safeParse(req.query);
    if (!query.success) staff.fail('INVALID_INPUT', 'Invalid quarantine query.');
    const { limit, cursor } = query.data;
    res.json(await quarantine.list({ limit, ...(cursor ? { before: Number(cursor) } : {}) }));
  });

  router.get('/email/imap/quarantine/:id/raw', staff.requireAuth, async (req, res) => {
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
  });

  router.post('/email/imap/quarantine/:id/retry', staff.requireAuth, async (req, res) => {
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
  });

  router.delete('/email/imap/quarantine/:id', staff.requireAuth, async (req, res) => {
    requireAdmin(req);
    const id = idOf(req);
    if (!(await quarantine.remove(id))) staff.fail('NOT_FOUND', 'No such quarantined message.');
    res.status(204).end();
  });

  return router;
}
