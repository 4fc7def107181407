import { Router, type RequestHandler } from 'express';
import { AppError } from '../../lib/app-error';
import { z } from 'zod';
import { documentRoutes } from '../../http/openapi';
import { parseInput } from '../../lib/validate';
import { getPrincipal } from '../agents';
import { canSeeConversation } from '../conversations';
import type { SlaAdmin } from './sla-admin.service';
import { reportToCsv, type SlaReports } from './sla-reports';
import {
  AtRiskListSchema,
  AtRiskQuerySchema,
  CalendarViewSchema,
  ConversationSlaSchema,
  CreateCalendarSchema,
  CreatePolicySchema,
  IdParamsSchema,
  PolicyViewSchema,
  ReportQuerySchema,
  SlaReportSchema,
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
  const api = documentRoutes(router, { tags: ['SLA'] });
  const reader = { roles: ['supervisor', 'admin'] };
  const admins = { roles: ['admin'] };
  const byId = { params: IdParamsSchema };

  api.get(
    '/calendars',
    {
      summary: 'Business-hours calendars',
      ...reader,
      responses: { 200: z.object({ items: z.array(CalendarViewSchema) }) },
    },
    read,
    async (_req, res) => void res.json({ items: await admin.listCalendars() }),
  );
  api.post(
    '/calendars',
    {
      summary: 'Create a calendar',
      ...admins,
      body: CreateCalendarSchema,
      responses: { 201: CalendarViewSchema },
    },
    write,
    async (req, res) => {
      res
        .status(201)
        .json(await admin.createCalendar(parseInput(CreateCalendarSchema, req.body, 'calendar')));
    },
  );
  api.get(
    '/calendars/:id',
    { summary: 'One calendar', ...reader, ...byId, responses: { 200: CalendarViewSchema } },
    read,
    async (req, res) => void res.json(await admin.getCalendar(id(req.params))),
  );
  api.patch(
    '/calendars/:id',
    {
      summary: 'Change a calendar',
      ...admins,
      ...byId,
      body: UpdateCalendarSchema,
      responses: { 200: CalendarViewSchema },
    },
    write,
    async (req, res) => {
      res.json(
        await admin.updateCalendar(id(req.params), parseInput(UpdateCalendarSchema, req.body, 'calendar')),
      );
    },
  );
  api.delete(
    '/calendars/:id',
    { summary: 'Delete a calendar', ...admins, ...byId, responses: { 204: null } },
    write,
    async (req, res) => {
      await admin.deleteCalendar(id(req.params));
      res.status(204).end();
    },
  );

  api.get(
    '/policies',
    {
      summary: 'SLA policies, in the order they are matched',
      ...reader,
      responses: { 200: z.object({ items: z.array(PolicyViewSchema) }) },
    },
    read,
    async (_req, res) => void res.json({ items: await admin.listPolicies() }),
  );
  api.post(
    '/policies',
    { summary: 'Create a policy', ...admins, body: CreatePolicySchema, responses: { 201: PolicyViewSchema } },
    write,
    async (req, res) => {
      res.status(201).json(await admin.createPolicy(parseInput(CreatePolicySchema, req.body, 'policy')));
    },
  );
  api.get(
    '/policies/:id',
    { summary: 'One policy', ...reader, ...byId, responses: { 200: PolicyViewSchema } },
    read,
    async (req, res) => void res.json(await admin.getPolicy(id(req.params))),
  );
  api.patch(
    '/policies/:id',
    {
      summary: 'Change a policy',
      ...admins,
      ...byId,
      body: UpdatePolicySchema,
      responses: { 200: PolicyViewSchema },
    },
    write,
    async (req, res) => {
      res.json(await admin.updatePolicy(id(req.params), parseInput(UpdatePolicySchema, req.body, 'policy')));
    },
  );
  api.delete(
    '/policies/:id',
    { summary: 'Delete a policy', ...admins, ...byId, responses: { 204: null } },
    write,
    async (req, res) => {
      await admin.deletePolicy(id(req.params));
      res.status(204).end();
    },
  );

  /**
   * The SLA state of one conversation, for whoever may see it (the UI shows the clock on the conversation).
   * Anyone else gets the same 404 as for a missing one, and no check runs for them.
   */
  api.get(
    '/conversations/:id',
    {
      summary: "A conversation's SLA state (due times, breaches, policy)",
      ...byId,
      responses: { 200: ConversationSlaSchema },
    },
    async (req, res) => {
      const notFound = () => new AppError('NOT_FOUND', { userMessage: 'Conversation not found.' });
      const access = await deps.findConversationAccess(id(req.params));
      if (!access || !canSeeConversation(getPrincipal(req), access)) throw notFound();
      const { result } = await deps.service.check(id(req.params));
      if (!result) throw notFound();
      const { history: _history, rev: _rev, ...sla } = result.conversation.sla ?? {};
      res.json({ conversationId: id(req.params), ...sla });
    },
  );
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
  const api = documentRoutes(router, { tags: ['Reports'], roles: ['supervisor', 'admin'] });
  api.get(
    '/sla.csv',
    {
      summary: 'The SLA report as CSV (UTF-8 with a byte-order mark, for spreadsheets)',
      query: ReportQuerySchema,
      responses: { 200: { contentType: 'text/csv' } },
    },
    report(true),
  );
  api.get(
    '/sla',
    {
      summary: 'The SLA report: response and resolution times, compliance, backlog, CSAT per group',
      description: 'JSON, or CSV with `format=csv` or `Accept: text/csv`.',
      query: ReportQuerySchema,
      responses: { 200: SlaReportSchema },
    },
    report(false),
  );
  api.get(
    '/sla/at-risk',
    {
      summary: 'Open conversations whose next SLA target is nearest (or already breached)',
      query: AtRiskQuerySchema,
      responses: { 200: AtRiskListSchema },
    },
    async (req, res) => {
      const query = parseInput(AtRiskQuerySchema, req.query, 'query');
      res.json({ items: await deps.reports.atRisk(query) });
    },
  );
  return router;
}
