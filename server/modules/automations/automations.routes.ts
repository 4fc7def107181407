import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { documentRoutes } from '../../http/openapi';
import { parseInput } from '../../lib/validate';
import { getPrincipal } from '../agents';
import {
  ConditionSchema,
  CreateRuleSchema,
  DryRunResultSchema,
  RuleViewSchema,
  UpdateRuleSchema,
  type AutomationCondition,
  type CreateRuleInput,
  type UpdateRuleInput,
} from './automation.schemas';

/** The rule store the routes use (the module's `rules`), structurally: no import of the module itself. */
export interface AutomationRuleStore {
  list(): Promise<unknown[]>;
  get(id: string): Promise<{ conditions: AutomationCondition[] }>;
  create(input: CreateRuleInput, actorId: string | null): Promise<unknown>;
  update(id: string, input: UpdateRuleInput, actorId: string): Promise<unknown>;
  remove(id: string): Promise<void>;
  dryRun(rule: { conditions: AutomationCondition[] }): Promise<unknown>;
}

const IdSchema = z.object({ id: z.string().regex(/^[0-9a-f]{24}$/i, 'must be an id') });
const DryRunSchema = z.object({ conditions: z.array(ConditionSchema).max(30) }).strict();

/**
 * `/api/automations`: supervisors and admins read rules and dry-run them; admins create, change and
 * delete them. Agents are refused.
 *
 * - `GET /`, `GET /:id`; `POST /`, `PATCH /:id`, `DELETE /:id` (admin)
 * - `POST /:id/dry-run` or `POST /dry-run {conditions}` → `{since, scanned, matched: [{id, number}]}`
 */
export function createAutomationsRouter(deps: {
  rules: AutomationRuleStore;
  requireAuth: RequestHandler;
  requireSupervisor: RequestHandler;
  requireAdmin: RequestHandler;
}): Router {
  const { rules } = deps;
  const router = Router();
  router.use(deps.requireAuth, deps.requireSupervisor);
  const api = documentRoutes(router, { tags: ['Automations'], roles: ['supervisor', 'admin'] });
  const admin = { roles: ['admin'] };
  api.get(
    '/',
    {
      summary: 'Every automation rule, in order',
      responses: { 200: z.object({ items: z.array(RuleViewSchema) }) },
    },
    async (_req, res) => void res.json({ items: await rules.list() }),
  );
  api.post(
    '/dry-run',
    {
      summary: 'Which recent conversations these conditions match (nothing is changed)',
      body: DryRunSchema,
      responses: { 200: DryRunResultSchema },
    },
    async (req, res) => {
      const input = parseInput(DryRunSchema, req.body, 'dry run');
      res.json(await rules.dryRun(input));
    },
  );
  api.get(
    '/:id',
    { summary: 'One rule', params: IdSchema, responses: { 200: RuleViewSchema } },
    async (req, res) => {
      const { id } = parseInput(IdSchema, req.params, 'id');
      res.json(await rules.get(id));
    },
  );
  api.post(
    '/:id/dry-run',
    {
      summary: "Which recent conversations the rule's conditions match",
      params: IdSchema,
      responses: { 200: DryRunResultSchema },
    },
    async (req, res) => {
      const { id } = parseInput(IdSchema, req.params, 'id');
      res.json(await rules.dryRun(await rules.get(id)));
    },
  );
  api.post(
    '/',
    { summary: 'Create a rule', ...admin, body: CreateRuleSchema, responses: { 201: RuleViewSchema } },
    deps.requireAdmin,
    async (req, res) => {
      const input = parseInput(CreateRuleSchema, req.body, 'automation');
      res.status(201).json(await rules.create(input, getPrincipal(req).agentId));
    },
  );
  api.patch(
    '/:id',
    {
      summary: 'Change a rule',
      ...admin,
      params: IdSchema,
      body: UpdateRuleSchema,
      responses: { 200: RuleViewSchema },
    },
    deps.requireAdmin,
    async (req, res) => {
      const { id } = parseInput(IdSchema, req.params, 'id');
      const input = parseInput(UpdateRuleSchema, req.body, 'automation');
      res.json(await rules.update(id, input, getPrincipal(req).agentId));
    },
  );
  api.delete(
    '/:id',
    { summary: 'Delete a rule', ...admin, params: IdSchema, responses: { 204: null } },
    deps.requireAdmin,
    async (req, res) => {
      const { id } = parseInput(IdSchema, req.params, 'id');
      await rules.remove(id);
      res.status(204).end();
    },
  );
  return router;
}
