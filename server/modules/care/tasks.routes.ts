import { Router, type RequestHandler } from 'express';
import { parseInput } from '../../lib/validate';
import { getPrincipal } from '../agents';
import {
  CompleteTaskSchema,
  CreateTaskSchema,
  FollowUpReportQuery,
  ListTasksQuery,
  TaskIdParams,
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
  router.get('/', async (req, res) => {
    res.json(await deps.tasks.listTasks(getPrincipal(req), parseInput(ListTasksQuery, req.query, 'query')));
  });
  router.post('/', async (req, res) => {
    const input = parseInput(CreateTaskSchema, req.body, 'task');
    res.status(201).json(await deps.tasks.createFromApi(getPrincipal(req), input));
  });
  router.get('/:id', async (req, res) => {
    const { id } = parseInput(TaskIdParams, req.params, 'task id');
    res.json(await deps.tasks.getTask(getPrincipal(req), id));
  });
  router.post('/:id/complete', async (req, res) => {
    const { id } = parseInput(TaskIdParams, req.params, 'task id');
    const input = parseInput(CompleteTaskSchema, req.body, 'result');
    res.json(await deps.tasks.completeTask(getPrincipal(req), id, input));
  });
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
  router.get('/follow-ups/report', async (req, res) => {
    const query = parseInput(FollowUpReportQuery, req.query, 'query');
    res.json(await deps.followUps.report({ ...query, now: deps.now() }));
  });
  router.get('/settings', (_req, res) => {
    res.json(deps.settings());
  });
  return router;
}
