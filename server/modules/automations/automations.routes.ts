import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { parseInput } from '../../lib/validate';
import { getPrincipal } from '../agents';
import {
  ConditionSchema,
  CreateRuleSchema,
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
  router.get('/', async (_req, res) => void res.json({ items: await rules.list() }));
  router.post('/dry-run', async (req, res) => {
    const input = parseInput(DryRunSchema, req.body, 'dry run');
    res.json(await rules.dryRun(input));
  });
  router.get('/:id', async (req, res) => {
    const { id } = parseInput(IdSchema, req.params, 'id');
    res.json(await rules.get(id));
  });
  router.post('/:id/dry-run', async (req, res) => {
    const { id } = parseInput(IdSchema, req.params, 'id');
    res.json(await rules.dryRun(await rules.get(id)));
  });
  router.post('/', deps.requireAdmin, async (req, res) => {
    const input = parseInput(CreateRuleSchema, req.body, 'automation');
    res.status(201).json(await rules.create(input, getPrincipal(req).agentId));
  });
  router.patch('/:id', deps.requireAdmin, async (req, res) => {
    const { id } = parseInput(IdSchema, req.params, 'id');
    const input = parseInput(UpdateRuleSchema, req.body, 'automation');
    res.json(await rules.update(id, input, getPrincipal(req).agentId));
  });
  router.delete('/:id', deps.requireAdmin, async (req, res) => {
    const { id } = parseInput(IdSchema, req.params, 'id');
    await rules.remove(id);
    res.status(204).end();
  });
  return router;
}
