import { trusted, Types, type Connection } from 'mongoose';
import { AppError } from '../../lib/app-error';
import type { DomainEvents } from '../../domain-events';
import type { Clock } from '../../lib/clock';
import type { EventBus } from '../../lib/event-bus';
import {
  agentModel,
  effectiveCapacity,
  teamModel,
  type AgentRecord,
  type Capacity,
  type Role,
  type TeamRecord,
} from './agent.model';
import type { CreateAgentInput, CreateTeamInput, UpdateAgentInput, UpdateTeamInput } from './agents.schemas';
import type { AuditService } from './audit.service';
import type { AuthService, Principal } from './auth.service';
import { conflictIfDuplicate } from '../../infra/mongo-errors';
import { decodeIdCursor, encodeIdCursor, toPage, type Page } from './pagination';
import { hashPassword } from './passwords';

/** An agent as the API shows it: never the password hash. */
export interface AgentView {
  id: string;
  email: string;
  name: string;
  role: Role;
  teamIds: string[];
  skills: string[];
  languages: string[];
  capacity: Capacity;
  capacityOverrides: Partial<Capacity>;
  phone: string | null;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

/** What agents (not supervisors) see of colleagues: enough to transfer work to them. */
export type AgentPublicView = Pick<
  AgentView,
  'id' | 'name' | 'role' | 'teamIds' | 'skills' | 'languages' | 'active'
>;

export interface TeamView {
  id: string;
  name: string;
  skills: string[];
  leadId: string | null;
  supervisorIds: string[];
  calendarId: string | null;
  slaPolicyId: string | null;
  routingStrategy: 'longest-idle' | 'least-busy' | 'round-robin' | 'manual';
  capacityDefaults: Partial<Capacity>;
  createdAt: string;
  updatedAt: string;
}

const oid = (id: string) => new Types.ObjectId(id);
const idOrNull = (id: Types.ObjectId | null | undefined) => (id ? id.toHexString() : null);

function cleanCapacity(capacity: unknown): Partial<Capacity> {
  const result: Partial<Capacity> = {};
  for (const [key, value] of Object.entries((capacity as Record<string, unknown> | null | undefined) ?? {}))
    if (typeof value === 'number') result[key as keyof Capacity] = value;
  return result;
}

export function toAgentView(doc: AgentRecord): AgentView {
  return {
    id: String(doc._id),
    email: doc.email,
    name: doc.name,
    role: doc.role,
    teamIds: (doc.teamIds ?? []).map(String),
    skills: doc.skills ?? [],
    languages: doc.languages ?? [],
    capacity: effectiveCapacity({ capacity: cleanCapacity(doc.capacity) }),
    capacityOverrides: cleanCapacity(doc.capacity),
    phone: doc.phone ?? null,
    active: doc.active,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

export function toAgentPublicView(view: AgentView): AgentPublicView {
  const { id, name, role, teamIds, skills, languages, active } = view;
  return { id, name, role, teamIds, skills, languages, active };
}

export function toTeamView(doc: TeamRecord): TeamView {
  return {
    id: String(doc._id),
    name: doc.name,
    skills: doc.skills ?? [],
    leadId: idOrNull(doc.leadId),
    supervisorIds: (doc.supervisorIds ?? []).map(String),
    calendarId: idOrNull(doc.calendarId),
    slaPolicyId: idOrNull(doc.slaPolicyId),
    routingStrategy: doc.routingStrategy,
    capacityDefaults: cleanCapacity(doc.capacityDefaults),
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

const NO_PASSWORD = { passwordHash: 0 } as const;

/**
 * Agents and teams. Team membership has one source of truth, `agent.teamIds`; a team's members are the
 * agents whose `teamIds` contain it (indexed).
 */
export function createAgentsService(deps: {
  connection: Connection;
  clock: Clock;
  audit: AuditService;
  auth: AuthService;
  events?: EventBus<DomainEvents>;
}) {
  const Agent = agentModel(deps.connection);
  const Team = teamModel(deps.connection);
  const { clock, audit } = deps;

  async function assertTeamsExist(teamIds: string[] | undefined): Promise<void> {
    if (!teamIds?.length) return;
    const unique = [...new Set(teamIds)];
    const found = await Team.countDocuments({ _id: trusted({ $in: unique.map(oid) }) });
    if (found !== unique.length) throw new AppError('INVALID_INPUT', { userMessage: 'Unknown team.' });
  }

  async function assertAgentsExist(agentIds: (string | null | undefined)[]): Promise<void> {
    const unique = [...new Set(agentIds.filter((id): id is string => Boolean(id)))];
    if (!unique.length) return;
    const found = await Agent.countDocuments({ _id: trusted({ $in: unique.map(oid) }) });
    if (found !== unique.length) throw new AppError('INVALID_INPUT', { userMessage: 'Unknown agent.' });
  }

  async function announce(agentId: string, changes: string[]): Promise<void> {
    const agent = await Agent.findById(oid(agentId))
      .select({ active: 1 })
      .lean<Pick<AgentRecord, 'active'>>();
    await deps.events?.emit('agent.updated', { agentId, changes, active: agent?.active ?? false });
  }

  async function getAgentRecord(id: string): Promise<AgentRecord> {
    const doc = await Agent.findById(oid(id)).select(NO_PASSWORD).lean<AgentRecord>();
    if (!doc) throw new AppError('NOT_FOUND', { userMessage: 'No such agent.' });
    return doc;
  }

  const service = {
    async createAgent(input: CreateAgentInput, actor: Principal | null): Promise<AgentView> {
      await assertTeamsExist(input.teamIds);
      const now = clock.now();
      try {
        const [created] = await Agent.create([
          {
            email: input.email.trim().toLowerCase(),
            name: input.name,
            passwordHash: await hashPassword(input.password),
            role: input.role ?? 'agent',
            teamIds: (input.teamIds ?? []).map(oid),
            skills: input.skills ?? [],
            languages: input.languages ?? [],
            capacity: input.capacity,
            phone: input.phone ?? undefined,
            active: input.active ?? true,
            createdAt: now,
            updatedAt: now,
          },
        ]);
        const view = toAgentView(created!.toObject());
        await audit.record({
          actorId: actor?.agentId ?? null,
          action: 'agent.created',
          subjectType: 'agent',
          subjectId: view.id,
          details: { email: view.email, role: view.role },
        });
        await announce(view.id, ['created']);
        return view;
      } catch (error) {
        throw conflictIfDuplicate(error, 'An agent with this email already exists.');
      }
    },

    async updateAgent(id: string, input: UpdateAgentInput, actor: Principal): Promise<AgentView> {
      if (id === actor.agentId && ((input.role && input.role !== actor.role) || input.active === false))
        throw new AppError('CONFLICT', {
          userMessage: 'You cannot change your own role or deactivate yourself.',
        });
      await assertTeamsExist(input.teamIds);
      const { password, teamIds, phone, email, ...rest } = input;
      const set: Record<string, unknown> = { ...rest, updatedAt: clock.now() };
      if (email !== undefined) set.email = email.trim().toLowerCase();
      if (teamIds !== undefined) set.teamIds = teamIds.map(oid);
      if (phone !== undefined) set.phone = phone ?? undefined;
      if (password !== undefined) set.passwordHash = await hashPassword(password);
      let before: AgentRecord | null;
      try {
        before = await Agent.findOneAndUpdate({ _id: oid(id) }, { $set: set }, { returnDocument: 'before' })
          .select(NO_PASSWORD)
          .lean<AgentRecord>();
      } catch (error) {
        throw conflictIfDuplicate(error, 'An agent with this email already exists.');
      }
      if (!before) throw new AppError('NOT_FOUND', { userMessage: 'No such agent.' });
      if (input.role && input.role !== before.role)
        await audit.record({
          actorId: actor.agentId,
          action: 'agent.role_changed',
          subjectType: 'agent',
          subjectId: id,
          details: { from: before.role, to: input.role },
        });
      const changed = Object.keys(input).filter((key) => key !== 'role');
      if (changed.length)
        await audit.record({
          actorId: actor.agentId,
          action: 'agent.updated',
          subjectType: 'agent',
          subjectId: id,
          details: { fields: changed },
        });
      // A deactivated agent or a changed password ends every open session at once.
      if (input.active === false || password !== undefined) await deps.auth.revokeAgentSessions(id);
      await announce(
        id,
        Object.keys(input).map((key) => (key === 'password' ? 'passwordHash' : key)),
      );
      return toAgentView(await getAgentRecord(id));
    },

    /** Agents are referenced by conversations and the audit trail: "deleting" deactivates. */
    async deactivateAgent(id: string, actor: Principal): Promise<AgentView> {
      return service.updateAgent(id, { active: false }, actor);
    },

    async getAgent(id: string): Promise<AgentView> {
      return toAgentView(await getAgentRecord(id));
    },

    async findAgent(id: string): Promise<AgentView | null> {
      if (!Types.ObjectId.isValid(id)) return null;
      const doc = await Agent.findById(oid(id)).select(NO_PASSWORD).lean<AgentRecord>();
      return doc ? toAgentView(doc) : null;
    },

    async findAgentByEmail(email: string): Promise<AgentView | null> {
      const doc = await Agent.findOne({ email: email.trim().toLowerCase() })
        .select(NO_PASSWORD)
        .lean<AgentRecord>();
      return doc ? toAgentView(doc) : null;
    },

    async listAgents(filter: {
      teamId?: string;
      role?: Role;
      active?: boolean;
      cursor?: string;
      limit: number;
    }): Promise<Page<AgentView>> {
      const query: Record<string, unknown> = {};
      if (filter.teamId) query.teamIds = oid(filter.teamId);
      if (filter.role) query.role = filter.role;
      if (filter.active !== undefined) query.active = filter.active;
      if (filter.cursor) query._id = trusted({ $gt: decodeIdCursor(filter.cursor) });
      const docs = await Agent.find(query)
        .select(NO_PASSWORD)
        .sort({ _id: 1 })
        .limit(filter.limit + 1)
        .lean<AgentRecord[]>();
      return toPage(docs, filter.limit, toAgentView, (doc) => encodeIdCursor(doc._id));
    },

    /** Active members of a team (bounded: teams are tens, at most a few hundred agents). */
    async listTeamMembers(teamId: string, limit = 500): Promise<AgentView[]> {
      const docs = await Agent.find({ teamIds: oid(teamId), active: true })
        .select(NO_PASSWORD)
        .sort({ _id: 1 })
        .limit(limit)
        .lean<AgentRecord[]>();
      return docs.map(toAgentView);
    },

    async createTeam(input: CreateTeamInput, actor: Principal | null): Promise<TeamView> {
      await assertAgentsExist([input.leadId, ...(input.supervisorIds ?? [])]);
      const now = clock.now();
      try {
        const [created] = await Team.create([
          {
            name: input.name,
            skills: input.skills ?? [],
            leadId: input.leadId ? oid(input.leadId) : null,
            supervisorIds: (input.supervisorIds ?? []).map(oid),
            calendarId: input.calendarId ? oid(input.calendarId) : null,
            slaPolicyId: input.slaPolicyId ? oid(input.slaPolicyId) : null,
            routingStrategy: input.routingStrategy ?? 'longest-idle',
            capacityDefaults: input.capacityDefaults,
            createdAt: now,
            updatedAt: now,
          },
        ]);
        const view = toTeamView(created!.toObject());
        await audit.record({
          actorId: actor?.agentId ?? null,
          action: 'team.created',
          subjectType: 'team',
          subjectId: view.id,
          details: { name: view.name },
        });
        return view;
      } catch (error) {
        throw conflictIfDuplicate(error, 'A team with this name already exists.');
      }
    },

    async updateTeam(id: string, input: UpdateTeamInput, actor: Principal): Promise<TeamView> {
      await assertAgentsExist([input.leadId, ...(input.supervisorIds ?? [])]);
      const set: Record<string, unknown> = { updatedAt: clock.now() };
      for (const [key, value] of Object.entries(input)) {
        if (key === 'leadId' || key === 'calendarId' || key === 'slaPolicyId')
          set[key] = value ? oid(value as string) : null;
        else if (key === 'supervisorIds') set[key] = (value as string[]).map(oid);
        else set[key] = value;
      }
      let doc: TeamRecord | null;
      try {
        doc = await Team.findOneAndUpdate(
          { _id: oid(id) },
          { $set: set },
          { returnDocument: 'after' },
        ).lean<TeamRecord>();
      } catch (error) {
        throw conflictIfDuplicate(error, 'A team with this name already exists.');
      }
      if (!doc) throw new AppError('NOT_FOUND', { userMessage: 'No such team.' });
      await audit.record({
        actorId: actor.agentId,
        action: 'team.updated',
        subjectType: 'team',
        subjectId: id,
        details: { fields: Object.keys(input) },
      });
      return toTeamView(doc);
    },

    /** Removes the team from its members first, then the team: re-running after a crash finishes it. */
    async deleteTeam(id: string, actor: Principal): Promise<void> {
      const team = await Team.findById(oid(id)).lean<TeamRecord>();
      if (!team) throw new AppError('NOT_FOUND', { userMessage: 'No such team.' });
      await Agent.updateMany(
        { teamIds: oid(id) },
        { $pull: { teamIds: oid(id) }, $set: { updatedAt: clock.now() } },
      );
      await Team.deleteOne({ _id: oid(id) });
      await audit.record({
        actorId: actor.agentId,
        action: 'team.deleted',
        subjectType: 'team',
        subjectId: id,
        details: { name: team.name },
      });
    },

    async addTeamMember(teamId: string, agentId: string, actor: Principal): Promise<void> {
      await service.getTeam(teamId);
      const result = await Agent.updateOne(
        { _id: oid(agentId) },
        { $addToSet: { teamIds: oid(teamId) }, $set: { updatedAt: clock.now() } },
      );
      if (result.matchedCount === 0) throw new AppError('NOT_FOUND', { userMessage: 'No such agent.' });
      await audit.record({
        actorId: actor.agentId,
        action: 'team.member_added',
        subjectType: 'team',
        subjectId: teamId,
        details: { agentId },
      });
      await announce(agentId, ['teamIds']);
    },

    async removeTeamMember(teamId: string, agentId: string, actor: Principal): Promise<void> {
      const result = await Agent.updateOne(
        { _id: oid(agentId) },
        { $pull: { teamIds: oid(teamId) }, $set: { updatedAt: clock.now() } },
      );
      if (result.matchedCount === 0) throw new AppError('NOT_FOUND', { userMessage: 'No such agent.' });
      await audit.record({
        actorId: actor.agentId,
        action: 'team.member_removed',
        subjectType: 'team',
        subjectId: teamId,
        details: { agentId },
      });
      await announce(agentId, ['teamIds']);
    },

    async getTeam(id: string): Promise<TeamView> {
      const doc = await Team.findById(oid(id)).lean<TeamRecord>();
      if (!doc) throw new AppError('NOT_FOUND', { userMessage: 'No such team.' });
      return toTeamView(doc);
    },

    async findTeam(id: string): Promise<TeamView | null> {
      if (!Types.ObjectId.isValid(id)) return null;
      const doc = await Team.findById(oid(id)).lean<TeamRecord>();
      return doc ? toTeamView(doc) : null;
    },

    async findTeamByName(name: string): Promise<TeamView | null> {
      const doc = await Team.findOne({ name }).lean<TeamRecord>();
      return doc ? toTeamView(doc) : null;
    },

    async listTeams(filter: { cursor?: string; limit: number }): Promise<Page<TeamView>> {
      const query: Record<string, unknown> = {};
      if (filter.cursor) query._id = trusted({ $gt: decodeIdCursor(filter.cursor) });
      const docs = await Team.find(query)
        .sort({ _id: 1 })
        .limit(filter.limit + 1)
        .lean<TeamRecord[]>();
      return toPage(docs, filter.limit, toTeamView, (doc) => encodeIdCursor(doc._id));
    },
  };
  return service;
}

export type AgentsService = ReturnType<typeof createAgentsService>;
