import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { documentRoutes } from '../../http/openapi';
import { parseInput } from '../../lib/validate';
import type { AgentsService } from './agents.service';
import { toAgentPublicView } from './agents.service';
import {
  AgentAnySchema,
  AgentPageSchema,
  AgentViewSchema,
  AuditPageSchema,
  AuditQuerySchema,
  CreateAgentSchema,
  CreateTeamSchema,
  ListAgentsQuerySchema,
  MeSchema,
  TeamDetailSchema,
  TeamPageSchema,
  TeamViewSchema,
  TeamMemberSchema,
  UpdateAgentSchema,
  UpdateTeamSchema,
} from './agents.schemas';
import type { AuditService } from './audit.service';
import { getPrincipal, isSupervisorOrAdmin, requireRole } from './auth.middleware';
import { PageQuerySchema } from './pagination';

const IdParams = z.object({ id: z.string().regex(/^[0-9a-f]{24}$/i, 'must be an id') });
const MemberParams = IdParams.extend({ agentId: z.string().regex(/^[0-9a-f]{24}$/i, 'must be an id') });

interface Deps {
  agents: AgentsService;
  audit: AuditService;
  requireAuth: RequestHandler;
}

/** `/api/me`: the caller, with their teams. */
export function createMeRouter(deps: Deps): Router {
  const router = Router();
  router.use(deps.requireAuth);
  const api = documentRoutes(router, { tags: ['Agents and teams'] });
  api.get(
    '/',
    { summary: 'The caller, with their teams', responses: { 200: MeSchema } },
    async (req, res) => {
      const principal = getPrincipal(req);
      const agent = await deps.agents.getAgent(principal.agentId);
      const teams = (await Promise.all(agent.teamIds.map((id) => deps.agents.findTeam(id)))).filter(Boolean);
      res.json({ ...agent, teams });
    },
  );
  return router;
}

/**
 * `/api/agents`: admins manage; supervisors read everything; agents read colleagues' public view (to
 * transfer work to them).
 */
export function createAgentsRouter(deps: Deps): Router {
  const router = Router();
  router.use(deps.requireAuth);
  const api = documentRoutes(router, { tags: ['Agents and teams'] });
  const admin = { roles: ['admin'] };

  api.get(
    '/',
    {
      summary: "List agents (agents see colleagues' public view)",
      query: ListAgentsQuerySchema,
      responses: { 200: AgentPageSchema },
    },
    async (req, res) => {
      const query = parseInput(ListAgentsQuerySchema, req.query, 'query');
      const page = await deps.agents.listAgents({
        ...query,
        active: query.active === undefined ? undefined : query.active === 'true',
      });
      const full = isSupervisorOrAdmin(getPrincipal(req));
      res.json(full ? page : { ...page, items: page.items.map(toAgentPublicView) });
    },
  );

  api.get(
    '/:id',
    { summary: 'One agent', params: IdParams, responses: { 200: AgentAnySchema } },
    async (req, res) => {
      const { id } = parseInput(IdParams, req.params, 'agent id');
      const agent = await deps.agents.getAgent(id);
      const principal = getPrincipal(req);
      res.json(isSupervisorOrAdmin(principal) || principal.agentId === id ? agent : toAgentPublicView(agent));
    },
  );

  api.post(
    '/',
    { summary: 'Create an agent', ...admin, body: CreateAgentSchema, responses: { 201: AgentViewSchema } },
    requireRole('admin'),
    async (req, res) => {
      const input = parseInput(CreateAgentSchema, req.body, 'agent');
      res.status(201).json(await deps.agents.createAgent(input, getPrincipal(req)));
    },
  );

  api.patch(
    '/:id',
    {
      summary: 'Change an agent (role, teams, skills, capacity, password, active)',
      ...admin,
      params: IdParams,
      body: UpdateAgentSchema,
      responses: { 200: AgentViewSchema },
    },
    requireRole('admin'),
    async (req, res) => {
      const { id } = parseInput(IdParams, req.params, 'agent id');
      const input = parseInput(UpdateAgentSchema, req.body, 'agent');
      res.json(await deps.agents.updateAgent(id, input, getPrincipal(req)));
    },
  );

  api.delete(
    '/:id',
    {
      summary: 'Deactivate an agent (their sessions end)',
      ...admin,
      params: IdParams,
      responses: { 200: AgentViewSchema },
    },
    requireRole('admin'),
    async (req, res) => {
      const { id } = parseInput(IdParams, req.params, 'agent id');
      res.json(await deps.agents.deactivateAgent(id, getPrincipal(req)));
    },
  );

  return router;
}

/** `/api/teams`: admins manage; everyone reads (agents transfer to teams). */
export function createTeamsRouter(deps: Deps): Router {
  const router = Router();
  router.use(deps.requireAuth);
  const api = documentRoutes(router, { tags: ['Agents and teams'] });
  const admin = { roles: ['admin'] };
  const lead = { roles: ['admin', 'supervisor'] };

  api.get(
    '/',
    { summary: 'List teams', query: PageQuerySchema, responses: { 200: TeamPageSchema } },
    async (req, res) => {
      res.json(await deps.agents.listTeams(parseInput(PageQuerySchema, req.query, 'query')));
    },
  );

  api.get(
    '/:id',
    { summary: 'One team with its members', params: IdParams, responses: { 200: TeamDetailSchema } },
    async (req, res) => {
      const { id } = parseInput(IdParams, req.params, 'team id');
      const team = await deps.agents.getTeam(id);
      const members = await deps.agents.listTeamMembers(id);
      const full = isSupervisorOrAdmin(getPrincipal(req));
      res.json({ ...team, members: full ? members : members.map(toAgentPublicView) });
    },
  );

  api.post(
    '/',
    { summary: 'Create a team', ...admin, body: CreateTeamSchema, responses: { 201: TeamViewSchema } },
    requireRole('admin'),
    async (req, res) => {
      const input = parseInput(CreateTeamSchema, req.body, 'team');
      res.status(201).json(await deps.agents.createTeam(input, getPrincipal(req)));
    },
  );

  api.patch(
    '/:id',
    {
      summary: 'Change a team',
      ...admin,
      params: IdParams,
      body: UpdateTeamSchema,
      responses: { 200: TeamViewSchema },
    },
    requireRole('admin'),
    async (req, res) => {
      const { id } = parseInput(IdParams, req.params, 'team id');
      const input = parseInput(UpdateTeamSchema, req.body, 'team');
      res.json(await deps.agents.updateTeam(id, input, getPrincipal(req)));
    },
  );

  api.delete(
    '/:id',
    { summary: 'Delete a team', ...admin, params: IdParams, responses: { 204: null } },
    requireRole('admin'),
    async (req, res) => {
      const { id } = parseInput(IdParams, req.params, 'team id');
      await deps.agents.deleteTeam(id, getPrincipal(req));
      res.status(204).end();
    },
  );

  api.post(
    '/:id/members',
    {
      summary: 'Add an agent to the team',
      ...lead,
      params: IdParams,
      body: TeamMemberSchema,
      responses: { 204: null },
    },
    requireRole('admin', 'supervisor'),
    async (req, res) => {
      const { id } = parseInput(IdParams, req.params, 'team id');
      const { agentId } = parseInput(TeamMemberSchema, req.body, 'member');
      await deps.agents.addTeamMember(id, agentId, getPrincipal(req));
      res.status(204).end();
    },
  );

  api.delete(
    '/:id/members/:agentId',
    { summary: 'Remove an agent from the team', ...lead, params: MemberParams, responses: { 204: null } },
    requireRole('admin', 'supervisor'),
    async (req, res) => {
      const { id, agentId } = parseInput(MemberParams, req.params, 'member');
      await deps.agents.removeTeamMember(id, agentId, getPrincipal(req));
      res.status(204).end();
    },
  );

  return router;
}

/** `/api/audit`: supervisors and admins read the trail, newest first. */
export function createAuditRouter(deps: Deps): Router {
  const router = Router();
  router.use(deps.requireAuth, requireRole('supervisor', 'admin'));
  documentRoutes(router, { tags: ['Audit'], roles: ['supervisor', 'admin'] }).get(
    '/',
    {
      summary: 'The audit trail, newest first',
      query: AuditQuerySchema,
      responses: { 200: AuditPageSchema },
    },
    async (req, res) => {
      res.json(await deps.audit.list(parseInput(AuditQuerySchema, req.query, 'query')));
    },
  );
  return router;
}
