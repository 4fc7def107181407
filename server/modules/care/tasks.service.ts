/**
 * Tasks (follow-up visits, automation follow-ups, an agent's own to-dos): create (idempotent by
 * `sourceKey`), list by cursor (open first by due time), complete once with a result. Agents see their own
 * tasks and their teams'; supervisors and admins see every task.
 */
import { trusted, Types, type Connection } from 'mongoose';
import { isDuplicateKeyError } from '../../infra/mongo-errors';
import { AppError } from '../../lib/app-error';
import type { Clock } from '../../lib/clock';
import type { TaskSummary } from '../../realtime/socket-events';
import { rooms } from '../../realtime/socket-events';
import { decodeTimeCursor, encodeTimeCursor, toPage, type Page, type Principal } from '../agents';
import type { CompleteTaskInput, CreateTaskInput, ListTasksInput } from './care.schemas';
import { taskModel, type TaskKind, type TaskRecord } from './task.model';

export interface TaskPublisher {
  publish(input: {
    event: 'task:updated';
    payload: { task: TaskSummary };
    rooms: string[];
  }): Promise<unknown>;
}

export interface NewTask {
  kind: TaskKind;
  title: string;
  description?: string | null;
  assigneeId?: string | null;
  teamId?: string | null;
  contactId?: string | null;
  conversationId?: string | null;
  dueAt: Date;
  sourceKey?: string | null;
  createdBy?: string | null;
}

export function toTaskSummary(doc: TaskRecord): TaskSummary {
  return {
    id: String(doc._id),
    kind: doc.kind,
    title: doc.title,
    description: doc.description ?? null,
    status: doc.status,
    assigneeId: doc.assigneeId ?? null,
    teamId: doc.teamId ?? null,
    contactId: doc.contactId ?? null,
    conversationId: doc.conversationId ?? null,
    dueAt: doc.dueAt.toISOString(),
    result: doc.result
      ? {
          outcome: doc.result.outcome,
          note: doc.result.note ?? null,
          completedBy: doc.result.completedBy,
          completedAt: new Date(doc.result.completedAt).toISOString(),
        }
      : null,
    createdAt: doc.createdAt.toISOString(),
  };
}

const isStaffLead = (principal: Principal) => principal.role === 'supervisor' || principal.role === 'admin';

/** Whether `principal` may see (and complete) the task. */
export function canSeeTask(principal: Principal, task: Pick<TaskRecord, 'assigneeId' | 'teamId'>): boolean {
  if (isStaffLead(principal)) return true;
  if (task.assigneeId === principal.agentId) return true;
  return Boolean(task.teamId && principal.teamIds.includes(task.teamId));
}

export function createTasksService(deps: { connection: Connection; clock: Clock; realtime?: TaskPublisher }) {
  const Task = taskModel(deps.connection);

  async function announce(doc: TaskRecord) {
    const targets = [rooms.supervisors()];
    if (doc.assigneeId) targets.push(rooms.agent(doc.assigneeId));
    if (doc.teamId) targets.push(rooms.team(doc.teamId));
    await deps.realtime?.publish({
      event: 'task:updated',
      payload: { task: toTaskSummary(doc) },
      rooms: targets,
    });
  }

  /** Creates a task; with a `sourceKey` already used, returns the existing task (`created: false`). */
  async function createTask(input: NewTask): Promise<{ task: TaskSummary; created: boolean }> {
    const now = deps.clock.now();
    try {
      const [doc] = await Task.create([
        {
          kind: input.kind,
          title: input.title,
          description: input.description ?? null,
          status: 'open',
          assigneeId: input.assigneeId ?? null,
          teamId: input.teamId ?? null,
          contactId: input.contactId ?? null,
          conversationId: input.conversationId ?? null,
          dueAt: input.dueAt,
          sourceKey: input.sourceKey ?? null,
          result: null,
          createdBy: input.createdBy ?? null,
          createdAt: now,
          updatedAt: now,
        },
      ]);
      const record = doc!.toObject<TaskRecord>();
      await announce(record);
      return { task: toTaskSummary(record), created: true };
    } catch (error) {
      if (!isDuplicateKeyError(error) || !input.sourceKey) throw error;
      const existing = await Task.findOne({ sourceKey: input.sourceKey }).lean<TaskRecord>();
      if (!existing) throw error;
      return { task: toTaskSummary(existing), created: false };
    }
  }

  /** A task created through the API: agents only for themselves or their teams. */
  async function createFromApi(principal: Principal, input: CreateTaskInput) {
    const assigneeId = input.assigneeId === undefined ? principal.agentId : input.assigneeId;
    const teamId = input.teamId ?? null;
    if (!isStaffLead(principal)) {
      if (assigneeId && assigneeId !== principal.agentId)
        throw new AppError('FORBIDDEN', { userMessage: 'Agents can assign tasks only to themselves.' });
      if (teamId && !principal.teamIds.includes(teamId))
        throw new AppError('FORBIDDEN', { userMessage: 'Not a member of that team.' });
    }
    return (
      await createTask({
        kind: 'manual',
        title: input.title,
        description: input.description ?? null,
        assigneeId,
        teamId,
        contactId: input.contactId ?? null,
        conversationId: input.conversationId ?? null,
        dueAt: input.dueAt,
        createdBy: principal.agentId,
      })
    ).task;
  }

  async function listTasks(principal: Principal, query: ListTasksInput): Promise<Page<TaskSummary>> {
    const filter: Record<string, unknown> = {};
    if (query.scope === 'mine') filter.assigneeId = principal.agentId;
    else if (query.scope === 'all') {
      if (!isStaffLead(principal))
        throw new AppError('FORBIDDEN', { userMessage: 'Only supervisors see every task.' });
    } else if (!isStaffLead(principal)) filter.teamId = trusted({ $in: principal.teamIds });
    else filter.teamId = trusted({ $ne: null });
    // By contact or conversation: whatever the scope, an agent sees only what they may see.
    if (query.contactId || query.conversationId) {
      delete filter.assigneeId;
      delete filter.teamId;
      if (query.contactId) filter.contactId = query.contactId;
      if (query.conversationId) filter.conversationId = query.conversationId;
      if (!isStaffLead(principal))
        filter.$or = [{ assigneeId: principal.agentId }, { teamId: trusted({ $in: principal.teamIds }) }];
    }
    if (query.status !== 'any') filter.status = query.status;
    if (query.kind) filter.kind = query.kind;
    const due: Record<string, unknown> = {};
    if (query.dueBefore) due.$lt = query.dueBefore;
    const and: Record<string, unknown>[] = [];
    if (query.cursor) {
      const { at, id } = decodeTimeCursor(query.cursor);
      and.push({ $or: [{ dueAt: trusted({ $gt: at }) }, { dueAt: at, _id: trusted({ $gt: id }) }] });
    }
    if (Object.keys(due).length) filter.dueAt = trusted(due);
    if (and.length) filter.$and = and;
    const docs = await Task.find(filter)
      .sort({ dueAt: 1, _id: 1 })
      .limit(query.limit + 1)
      .lean<TaskRecord[]>();
    return toPage(docs, query.limit, toTaskSummary, (doc) => encodeTimeCursor(doc.dueAt, doc._id));
  }

  async function getVisible(principal: Principal, id: string): Promise<TaskRecord> {
    const doc = Types.ObjectId.isValid(id) ? await Task.findById(id).lean<TaskRecord>() : null;
    if (!doc || !canSeeTask(principal, doc))
      throw new AppError('NOT_FOUND', { userMessage: 'No such task.' });
    return doc;
  }

  /** Completes an open task once (a second completion is a 409), recording the result. */
  async function completeTask(principal: Principal, id: string, input: CompleteTaskInput) {
    const current = await getVisible(principal, id);
    if (current.kind !== 'follow_up' && input.outcome !== 'done')
      throw new AppError('INVALID_INPUT', { userMessage: 'Only a follow-up visit records a visit result.' });
    if (current.kind === 'follow_up' && input.outcome === 'done')
      throw new AppError('INVALID_INPUT', {
        userMessage: 'A follow-up visit needs its result: reached, satisfied, not_satisfied or not_reached.',
      });
    const now = deps.clock.now();
    const doc = await Task.findOneAndUpdate(
      { _id: current._id, status: 'open' },
      {
        $set: {
          status: 'done',
          updatedAt: now,
          result: {
            outcome: input.outcome,
            note: input.note ?? null,
            completedBy: principal.agentId,
            completedAt: now,
          },
        },
      },
      { returnDocument: 'after' },
    ).lean<TaskRecord>();
    if (!doc) throw new AppError('CONFLICT', { userMessage: 'This task is already done.' });
    await announce(doc);
    return toTaskSummary(doc);
  }

  return {
    createTask,
    createFromApi,
    listTasks,
    getTask: async (principal: Principal, id: string) => toTaskSummary(await getVisible(principal, id)),
    completeTask,
    model: Task,
  };
}

export type TasksService = ReturnType<typeof createTasksService>;
