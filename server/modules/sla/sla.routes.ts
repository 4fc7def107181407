import { Router, type RequestHandler } from 'express';
import { AppError } from '../../lib/app-error';
import { parseInput } from '../../lib/validate';
import { getPrincipal } from '../agents';
import { canSeeConversation } from '../conversations';
import type { SlaAdmin } from './sla-admin.service';
import { reportToCsv, type SlaReports } from './sla-reports';
import {
  AtRiskQuerySchema,
  CreateCalendarSchema,
  CreatePolicySchema,
  IdParamsSchema,
  ReportQuerySchema,
  UpdateCalendarSchema,
  UpdatePolicySchema,
} from './sla.schemas';
import type { SlaService } from './sla.service';

export interface SlaRouteGuards {
  requireAuth: RequestHandler;
  /** Admins write calendars and policies. */
  requireAdmin: RequestHandler;
  /** Supervisors and admins read them, and read the reports. */
  requireSupervisor: RequestHandler;
}

/**
 * `/api/sla`: calendars and policies (admins write, supervisors read), and a conversation's SLA state.
 */
export function createSlaAdminRouter(
  deps: {
    admin: SlaAdmin;
    service: SlaService;
    /** Who may see a conversation (its team, assignee and owner), read before anything runs on it. */
    findConversationAccess(
      id: string,
    ): Promise<{ teamId?: string | null; assigneeId?: string | null; ownerId?: string | null } | null>;
  } & SlaRouteGuards,
): Router {
  const router = Router();
  const { admin } = deps;
  router.use(deps.requireAuth);
  const read = deps.requireSupervisor;
  const write = deps.requireAdmin;
  const id = (params: unknown) => parseInput(IdParamsSchema, params, 'id').id;

  router.get('/calendars', read, async (_req, res) => void res.json({ items: await admin.listCalendars() }));
  router.post('/calendars', write, async (req, res) => {
    res.status(201).json(await admin.createCalendar(parseInput(CreateCalendarSchema, req.body, 'calendar')));
  });
  router.get(
    '/calendars/:id',
    read,
    async (req, res) => void res.json(await admin.getCalendar(id(req.params))),
  );
  router.patch('/calendars/:id', write, async (req, res) => {
    res.json(
      await admin.updateCalendar(id(req.params), parseInput(UpdateCalendarSchema, req.body, 'calendar')),
    );
  });
  router.delete('/calendars/:id', write, async (req, res) => {
    await admin.deleteCalendar(id(req.params));
    res.status(204).end();
  });

  router.get('/policies', read, async (_req, res) => void res.json({ items: await admin.listPolicies() }));
  router.post('/policies', write, async (req, res) => {
    res.status(201).json(await admin.createPolicy(parseInput(CreatePolicySchema, req.body, 'policy')));
  });
  router.get('/policies/:id', read, async (req, res) => void res.json(await admin.getPolicy(id(req.params))));
  router.patch('/policies/:id', write, async (req, res) => {
    res.json(await admin.updatePolicy(id(req.params), parseInput(UpdatePolicySchema, req.body, 'policy')));
  });
  router.delete('/policies/:id', write, async (req, res) => {
    await admin.deletePolicy(id(req.params));
    res.status(204).end();
  });

  /**
   * The SLA state of one conversation, for whoever may see it (the UI shows the clock on the conversation).
   * Anyone else gets the same 404 as for a missing one, and no check runs for them.
   */
  router.get('/conversations/:id', async (req, res) => {
    const notFound = () => new AppError('NOT_FOUND', { userMessage: 'Conversation not found.' });
    const access = await deps.findConversationAccess(id(req.params));
    if (!access || !canSeeConversation(getPrincipal(req), access)) throw notFound();
    const { result } = await deps.service.check(id(req.params));
    if (!result) throw notFound();
    const { history: _history, rev: _rev, ...sla } = result.conversation.sla ?? {};
    res.json({ conversationId: id(req.params), ...sla });
  });
  return router;
}

/** `/api/reports/sla` (JSON or CSV) and `/api/reports/sla/at-risk`, supervisors and admins only. */
export function createSlaReportsRouter(deps: { reports: SlaReports } & SlaRouteGuards): Router {
  const router = Router();
  router.use(deps.requireAuth, deps.requireSupervisor);

  const report =
    (asCsv: boolean): RequestHandler =>
    async (req, res) => {
      const query = parseInput(ReportQuerySchema, req.query, 'query');
      const result = await deps.reports.slaReport(query);
      const wantsCsv =
        asCsv || query.format === 'csv' || req.accepts(['application/json', 'text/csv']) === 'text/csv';
      if (!wantsCsv) return void res.json(result);
      const name = `sla-${query.groupBy}-${result.from.slice(0, 10)}-${result.to.slice(0, 10)}.csv`;
      res
        .type('text/csv; charset=utf-8')
        .attachment(name)
        .send(`\uFEFF${reportToCsv(result)}`);
    };
  router.get('/sla.csv', report(true));
  router.get('/sla', report(false));
  router.get('/sla/at-risk', async (req, res) => {
    const query = parseInput(AtRiskQuerySchema, req.query, 'query');
    res.json({ items: await deps.reports.atRisk(query) });
  });
  return router;
}
