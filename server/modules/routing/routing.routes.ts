import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { getPrincipal, isSupervisorOrAdmin, type AgentsService } from '../agents';
import { canSeeConversation, toConversationSummary, type ConversationDoc } from '../conversations';
import { AppError } from '../../lib/app-error';
import { documentRoutes } from '../../http/openapi';
import { parseInput } from '../../lib/validate';
import { ConversationSummarySchema } from '../conversations/conversations.schemas';
import type { Assignments } from './assignments';
import type { Dispatcher } from './dispatcher';
import type { PresenceStatusValue } from './routing.models';
import { op, type RoutingContext } from './routing-context';

const ObjectIdString = z.string().regex(/^[a-f0-9]{24}$/, 'must be an id');
const QueueQuerySchema = z.strictObject({
  teamId: ObjectIdString,
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const TransferSchema = z
  .strictObject({
    agentId: ObjectIdString.optional(),
    teamId: ObjectIdString.optional(),
    note: z.string().trim().min(1).max(5000).optional(),
  })
  .refine((body) => Boolean(body.agentId) !== Boolean(body.teamId), {
    message: 'give exactly one of agentId and teamId',
  });
const ReassignSchema = z.strictObject({ agentId: ObjectIdString, force: z.boolean().default(false) });
const ConversationParams = z.object({ id: ObjectIdString });
const QueueItemParams = z.object({ conversationId: ObjectIdString });
const LiveViewSchema = z.object({
  queues: z.array(z.object({ teamId: z.string(), teamName: z.string() }).loose()),
  agents: z.array(
    z.object({ agentId: z.string(), name: z.string().nullable(), status: z.string(), load: z.unknown() }),
  ),
  assigned: z.array(
    z.object({
      conversationId: z.string(),
      number: z.number(),
      agentId: z.string(),
      contactName: z.string().nullable(),
      channel: z.string(),
      status: z.string(),
    }),
  ),
  offers: z.array(
    z.object({
      offerId: z.string(),
      conversationId: z.string(),
      agentId: z.string(),
      expiresAt: z.iso.datetime(),
    }),
  ),
});

/**
 * `/api/routing`: the supervisor's live view, the queue (manual pick), transfers and reassignment.
 * Route handlers validate, call the routing services, and answer.
 */
export function createRoutingRouter(deps: {
  ctx: RoutingContext;
  agents: AgentsService;
  dispatcher: Dispatcher;
  assignments: Assignments;
  requireAuth: RequestHandler;
  requireSupervisor: RequestHandler;
  addNote: (input: { conversationId: string; authorId: string; text: string }) => Promise<unknown>;
}): Router {
  const { ctx } = deps;
  const router = Router();

  const loadConversation = async (id: string): Promise<ConversationDoc> => {
    const conversationId = parseInput(ObjectIdString, id, 'conversation id');
    const conversation = await ctx.Conversation.findById(conversationId).lean<ConversationDoc>();
    if (!conversation) throw new AppError('NOT_FOUND', { userMessage: 'Conversation not found.' });
    return conversation;
  };

  const api = documentRoutes(router, { tags: ['Routing'] });
  const supervisors = { roles: ['supervisor', 'admin'] };
  api.get(
    '/live',
    {
      summary: "The supervisor's live view: queues per team, agents online, pending offers",
      ...supervisors,
      responses: { 200: LiveViewSchema },
    },
    deps.requireAuth,
    deps.requireSupervisor,
    async (_req, res) => {
      const teams = (await deps.agents.listTeams({ limit: 200 })).items;
      const queues = await Promise.all(
        teams.map(async (team) => ({
          teamId: team.id,
          teamName: team.name,
          ...(await deps.dispatcher.queueStats(team.id)),
        })),
      );
      const presences = await ctx.models.Presence.find({
        status: op({ $in: ['online', 'away'] as PresenceStatusValue[] }),
      })
        .limit(1000)
        .lean();
      const agents = await Promise.all(
        presences.map(async (p) => ({
          agentId: p._id,
          name: (await deps.agents.findAgent(p._id))?.name ?? null,
          status: p.status,
          load: p.load,
        })),
      );
      // Each agent's current conversations (offline agents keep theirs), newest activity first.
      const assigned = await ctx.Conversation.find({
        assigneeId: op({ $ne: null }),
        status: op({ $in: ['new', 'open', 'pending'] as ConversationDoc['status'][] }),
      })
        .select({ number: 1, assigneeId: 1, contactName: 1, primaryChannel: 1, status: 1 })
        .sort({ lastMessageAt: -1 })
        .limit(2000)
        .lean<ConversationDoc[]>();
      const offers = await ctx.models.Offer.find({ status: 'pending' })
        .sort({ expiresAt: 1 })
        .limit(500)
        .lean();
      res.json({
        queues,
        agents,
        assigned: assigned.map((c) => ({
          conversationId: String(c._id),
          number: c.number,
          agentId: c.assigneeId ?? '',
          contactName: c.contactName ?? null,
          channel: c.primaryChannel,
          status: c.status,
        })),
        offers: offers.map((o) => ({
          offerId: o._id,
          conversationId: o.conversationId,
          agentId: o.agentId,
          expiresAt: o.expiresAt.toISOString(),
        })),
      });
    },
  );

  api.get(
    '/queue',
    {
      summary: "A team's queue, first in line first (members of the team, supervisors)",
      query: QueueQuerySchema,
      responses: { 200: z.object({ items: z.array(ConversationSummarySchema) }) },
    },
    deps.requireAuth,
    async (req, res) => {
      const principal = getPrincipal(req);
      const query = parseInput(QueueQuerySchema, req.query, 'query');
      if (!isSupervisorOrAdmin(principal) && !principal.teamIds.includes(query.teamId))
        throw new AppError('FORBIDDEN');
      const queued = await ctx.Conversation.find({ teamId: query.teamId, 'routing.state': 'queued' })
        .sort({ 'routing.sortKey': 1 })
        .limit(query.limit)
        .lean<ConversationDoc[]>();
      res.json({ items: queued.map(toConversationSummary) });
    },
  );

  api.post(
    '/queue/:conversationId/pick',
    {
      summary: 'Take a queued conversation (manual pick)',
      params: QueueItemParams,
      responses: { 200: ConversationSummarySchema },
    },
    deps.requireAuth,
    async (req, res) => {
      const principal = getPrincipal(req);
      const conversation = await loadConversation(String(req.params.conversationId));
      res.json(
        toConversationSummary(await deps.assignments.pick(String(conversation._id), principal.agentId)),
      );
    },
  );

  api.post(
    '/conversations/:id/transfer',
    {
      summary: 'Transfer to an agent or a team, with an optional note (the assignee or a supervisor)',
      params: ConversationParams,
      body: TransferSchema,
      responses: { 200: ConversationSummarySchema },
    },
    deps.requireAuth,
    async (req, res) => {
      const principal = getPrincipal(req);
      const body = parseInput(TransferSchema, req.body, 'transfer');
      const conversation = await loadConversation(String(req.params.id));
      if (!canSeeConversation(principal, conversation))
        throw new AppError('NOT_FOUND', { userMessage: 'Conversation not found.' });
      if (!isSupervisorOrAdmin(principal) && conversation.assigneeId !== principal.agentId)
        throw new AppError('FORBIDDEN', {
          userMessage: 'Only the assignee or a supervisor can transfer this conversation.',
        });
      const conversationId = String(conversation._id);
      if (body.note) await deps.addNote({ conversationId, authorId: principal.agentId, text: body.note });
      if (body.teamId) {
        await deps.agents.getTeam(body.teamId);
        await deps.assignments.unassignToQueue(conversation, { teamId: body.teamId });
      } else if (body.agentId) {
        await deps.assignments.assignTo(conversation, body.agentId, { force: false });
      }
      res.json(toConversationSummary(await loadConversation(conversationId)));
    },
  );

  api.post(
    '/conversations/:id/reassign',
    {
      summary: 'Reassign to an agent (force: beyond their capacity)',
      ...supervisors,
      params: ConversationParams,
      body: ReassignSchema,
      responses: { 200: ConversationSummarySchema },
    },
    deps.requireAuth,
    deps.requireSupervisor,
    async (req, res) => {
      const body = parseInput(ReassignSchema, req.body, 'reassignment');
      const conversation = await loadConversation(String(req.params.id));
      res.json(
        toConversationSummary(
          await deps.assignments.assignTo(conversation, body.agentId, { force: body.force }),
        ),
      );
    },
  );

  return router;
}
