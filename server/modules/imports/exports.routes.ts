import { Router, type RequestHandler } from 'express';
import { documentRoutes } from '../../http/openapi';
import { AppError } from '../../lib/app-error';
import { getPrincipal, type AuditService } from '../agents';
import type { ContactsService } from '../contacts';
import {
  exportContacts,
  exportConversations,
  sendJsonLines,
  type ConversationExportModels,
} from './jsonl-export';

/**
 * Admins, and integrations whose API token has the `reports` scope (a data warehouse pulling exports);
 * the scope table lets such a token reach `/api/exports` only.
 */
export const requireExporter: RequestHandler = (req, _res, next) => {
  const principal = getPrincipal(req);
  const isReportsToken = principal.apiToken?.scopes.includes('reports') ?? false;
  if (principal.role !== 'admin' && !isReportsToken) throw new AppError('FORBIDDEN');
  next();
};

/**
 * `/api/exports`: `GET /contacts.jsonl` (every live contact) and `GET /conversations.jsonl` (every
 * conversation followed by its timeline), streamed as JSON Lines; each export is audited.
 */
export function createExportsRouter(deps: {
  contacts: Pick<ContactsService, 'searchContacts'>;
  conversations: ConversationExportModels;
  audit: AuditService;
  requireAuth: RequestHandler;
}): Router {
  const router = Router();
  router.use(deps.requireAuth, requireExporter);

  const audited = (what: string): RequestHandler => {
    return async (req, _res, next) => {
      await deps.audit.record({
        actorId: getPrincipal(req).agentId,
        action: `export.${what}`,
        subjectType: 'export',
        subjectId: what,
      });
      next();
    };
  };

  const api = documentRoutes(router, { tags: ['Exports'], roles: ['admin'] });
  const jsonLines = (description: string) => ({ contentType: 'application/x-ndjson', description });

  api.get(
    '/contacts.jsonl',
    {
      summary: 'Every live contact as JSON Lines, streamed (admins, or an API token with the reports scope)',
      responses: { 200: jsonLines('{"type":"contact","contact":{…}} lines, then {"type":"end","count":n}') },
    },
    audited('contacts'),
    async (_req, res) => {
      await sendJsonLines(res, 'contacts.jsonl', exportContacts(deps.contacts));
    },
  );

  api.get(
    '/conversations.jsonl',
    {
      summary: 'Every conversation with its timeline as JSON Lines, streamed (admins, or the reports scope)',
      responses: {
        200: jsonLines('a conversation line, then its message lines in display order; last {"type":"end"}'),
      },
    },
    audited('conversations'),
    async (_req, res) => {
      await sendJsonLines(res, 'conversations.jsonl', exportConversations(deps.conversations));
    },
  );

  return router;
}
