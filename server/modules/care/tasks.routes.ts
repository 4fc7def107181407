import { Router, type RequestHandler } from 'express';
import { documentRoutes } from '../../http/openapi';
import { parseInput } from '../../lib/validate';
import { getPrincipal } from '../agents';
import {
  CareSettingsSchema,
  CompleteTaskSchema,
  CreateTaskSchema,
  FollowUpReportQuery,
  FollowUpReportSchema,
  ListTasksQuery,
  TaskIdParams,
  TaskPageSchema,
  TaskSchema,
} from './care.schemas';
import type { FollowUps } from './follow-ups';
import type { TasksService } from './tasks.service';

/**
 * `/api/tasks` (every signed-in agent; what each sees is decided by the service):
 * - `GET /?scope=mine|team|all&contactId=&conversationId=&status=open|done|any&kind=&dueBefore=&cursor=&limit=`
 * - `POST / {title, dueAt, description?, assigneeId?, teamId?, contactId?, conversationId?}`
 * - `GET /:id`, `POST /:id/complete {outcome, note?}`
 */
export function createTasksRouter(deps: { tasks: TasksService; requireAuth: RequestHandler }): Router {
  const router = Router();
  router.use(deps.requireAuth);
  const api = documentRoutes(router, { tags: ['Tasks and care'] });
  api.get(
    '/',
    {
      summary: "Tasks: mine, my teams' or (supervisors) everyone's; open, done or any",
      query: ListTasksQuery,
      responses: { 200: TaskPageSchema },
    },
    async (req, res) => {
      res.json(await deps.tasks.listTasks(getPrincipal(req), parseInput(ListTasksQuery, req.query, 'query')));
    },
  );
  api.post(
    '/',
    { summary: 'Create a task', body: CreateTaskSchema, responses: { 201: TaskSchema } },
    async (req, res) => {
      const input = parseInput(CreateTaskSchema, req.body, 'task');
      res.status(201).json(await deps.tasks.createFromApi(getPrincipal(req), input));
    },
  );
  api.get(
    '/:id',
    { summary: 'One task', params: TaskIdParams, responses: { 200: TaskSchema } },
    async (req, res) => {
      const { id } = parseInput(TaskIdParams, req.params, 'task id');
      res.json(await deps.tasks.getTask(getPrincipal(req), id));
    },
  );
  api.post(
    '/:id/complete',
    {
      summary: 'Complete a task with its result (once)',
      params: TaskIdParams,
      body: CompleteTaskSchema,
      responses: { 200: TaskSchema },
    },
    async (req, res) => {
      const { id } = parseInput(TaskIdParams, req.params, 'task id');
      const input = parseInput(CompleteTaskSchema, req.body, 'result');
      res.json(await deps.tasks.completeTask(getPrincipal(req), id, input));
    },
  );
  return router;
}

/** `/api/care` (supervisors and admins): `GET /follow-ups/report?from=&to=&teamId=`, `GET /settings`. */
export function createCareRouter(deps: {
  followUps: FollowUps;
  settings: () => Record<string, unknown>;
  now: () => Date;
  requireAuth: RequestHandler;
  requireSupervisor: RequestHandler;
}): Router {
  const router = Router();
  router.use(deps.requireAuth, deps.requireSupervisor);
  const api = documentRoutes(router, { tags: ['Tasks and care'], roles: ['supervisor', 'admin'] });
  api.get(
    '/follow-ups/report',
    {
      summary: 'The follow-up (回访) report: visits, outcomes, satisfaction',
      query: FollowUpReportQuery,
      responses: { 200: FollowUpReportSchema },
    },
    async (req, res) => {
      const query = parseInput(FollowUpReportQuery, req.query, 'query');
      res.json(await deps.followUps.report({ ...query, now: deps.now() }));
    },
  );
  api.get(
    '/settings',
    { summary: 'The care settings in force', responses: { 200: CareSettingsSchema } },
    (_req, res) => {
      res.json(deps.settings());
    },
  );
  return router;
}
