/**
 * 回访 follow-up visits: when a complaint is resolved, a follow-up task for its owner (else its assignee)
 * appears `businessDays` business days later on the team's calendar. The delayed job's id and the task's
 * `sourceKey` are both `follow-up:<conversation>:<resolvedAt>`, so a job that runs twice creates one task;
 * a complaint reopened before then (its `resolvedAt` changed or gone) gets none for that resolution.
 */
import { trusted, type Connection } from 'mongoose';
import { ALWAYS_OPEN, type BusinessCalendar } from '../sla';
import { addBusinessDays } from './business-days';
import { taskModel, TASK_OUTCOMES, type TaskRecord } from './task.model';
import type { TasksService } from './tasks.service';

export interface FollowUpConversation {
  id: string;
  number: number;
  status: string;
  category: string;
  contactId: string;
  teamId: string | null;
  assigneeId: string | null;
  ownerId: string | null;
  resolvedAt: Date | null;
}

export interface FollowUpDeps {
  connection: Connection;
  tasks: TasksService;
  findConversation(id: string): Promise<FollowUpConversation | null>;
  /** The team's business calendar (null: none, business days are then calendar days). */
  calendarForTeam(teamId: string | null): Promise<BusinessCalendar | null>;
  businessDays: number;
  now(): Date;
  /** Complaints resolved (or closed) since `since`, newest first, at most `limit` (the re-arm sweep). */
  resolvedComplaintsSince(since: Date, limit: number): Promise<FollowUpConversation[]>;
  /** Queues the job that creates the task at `at` (deterministic id from `key`). */
  schedule(
    job: { kind: 'follow_up'; conversationId: string; resolvedAt: string; key: string },
    at: Date,
  ): Promise<void>;
}

export const followUpKey = (conversationId: string, resolvedAt: Date) =>
  `follow-up:${conversationId}:${resolvedAt.getTime()}`;

export function createFollowUps(deps: FollowUpDeps) {
  const Task = taskModel(deps.connection);
  const calendarOf = async (teamId: string | null) => (await deps.calendarForTeam(teamId)) ?? ALWAYS_OPEN;

  /** When the task for a resolution appears. */
  async function appearsAt(conversation: Pick<FollowUpConversation, 'teamId'>, resolvedAt: Date) {
    return addBusinessDays(await calendarOf(conversation.teamId), resolvedAt, deps.businessDays);
  }

  /** On a status change to resolved: schedules the follow-up of a complaint. */
  async function onResolved(conversationId: string) {
    const conversation = await deps.findConversation(conversationId);
    if (!conversation || conversation.category !== 'complaint' || !conversation.resolvedAt) return null;
    const at = await appearsAt(conversation, conversation.resolvedAt);
    const key = followUpKey(conversationId, conversation.resolvedAt);
    await deps.schedule(
      { kind: 'follow_up', conversationId, resolvedAt: conversation.resolvedAt.toISOString(), key },
      at,
    );
    return { key, at };
  }

  /**
   * The job: creates the task when the resolution it was scheduled for still stands and its day has come
   * (`early`: now, for the demo seed).
   */
  async function createFollowUpTask(
    job: { conversationId: string; resolvedAt: string },
    options: { early?: boolean } = {},
  ) {
    const conversation = await deps.findConversation(job.conversationId);
    const resolvedAt = new Date(job.resolvedAt);
    if (
      !conversation ||
      !['resolved', 'closed'].includes(conversation.status) ||
      conversation.resolvedAt?.getTime() !== resolvedAt.getTime()
    )
      return null;
    const calendar = await calendarOf(conversation.teamId);
    const appears = addBusinessDays(calendar, resolvedAt, deps.businessDays);
    if (!options.early && deps.now().getTime() < appears.getTime() - 60_000) return null;
    return deps.tasks.createTask({
      kind: 'follow_up',
      title: `回访 Follow-up visit #${conversation.number}`,
      description:
        '回访客户：问题是否解决、是否满意。Call the customer back: was the problem solved, are they satisfied?',
      assigneeId: conversation.ownerId ?? conversation.assigneeId,
      teamId: conversation.teamId,
      contactId: conversation.contactId,
      conversationId: job.conversationId,
      // Due by the start of the next business day.
      dueAt: addBusinessDays(calendar, appears, 1),
      sourceKey: followUpKey(job.conversationId, resolvedAt),
    });
  }

  /**
   * Re-arms follow-up jobs lost with Redis: every complaint resolved within the last `businessDays × 2 + 14`
   * days whose task does not exist yet is scheduled again (the same job id: one that still waits is kept).
   */
  async function rearm(): Promise<number> {
    const lookbackDays = deps.businessDays * 2 + 14;
    const since = new Date(deps.now().getTime() - lookbackDays * 86_400_000);
    let scheduled = 0;
    for (const conversation of await deps.resolvedComplaintsSince(since, 2_000)) {
      if (!conversation.resolvedAt || conversation.resolvedAt < since) continue;
      const key = followUpKey(conversation.id, conversation.resolvedAt);
      if (await Task.exists({ sourceKey: key })) continue;
      await deps.schedule(
        {
          kind: 'follow_up',
          conversationId: conversation.id,
          resolvedAt: conversation.resolvedAt.toISOString(),
          key,
        },
        await appearsAt(conversation, conversation.resolvedAt),
      );
      scheduled += 1;
    }
    return scheduled;
  }

  /**
   * The follow-up report over tasks created in `[from, to)`: counts per result, open and overdue, the
   * satisfaction rate among the customers reached, and each visit (at most 1,000 rows).
   */
  async function report(input: { from: Date; to: Date; teamId?: string; now: Date }) {
    const filter: Record<string, unknown> = {
      kind: 'follow_up',
      createdAt: trusted({ $gte: input.from, $lt: input.to }),
    };
    if (input.teamId) filter.teamId = input.teamId;
    const docs = await Task.find(filter).sort({ createdAt: 1 }).limit(1_000).lean<TaskRecord[]>();
    const byOutcome = Object.fromEntries(
      TASK_OUTCOMES.filter((o) => o !== 'done').map((o) => [o, 0]),
    ) as Record<string, number>;
    let open = 0;
    let overdue = 0;
    for (const doc of docs) {
      if (doc.status === 'open') {
        open += 1;
        if (doc.dueAt < input.now) overdue += 1;
      } else if (doc.result) byOutcome[doc.result.outcome] = (byOutcome[doc.result.outcome] ?? 0) + 1;
    }
    const rated = (byOutcome.satisfied ?? 0) + (byOutcome.not_satisfied ?? 0);
    return {
      from: input.from.toISOString(),
      to: input.to.toISOString(),
      total: docs.length,
      open,
      overdue,
      completed: docs.length - open,
      byOutcome,
      /** Satisfied among the visits that got a verdict (null when none did). */
      satisfactionRate: rated ? (byOutcome.satisfied ?? 0) / rated : null,
      truncated: docs.length === 1_000,
      visits: docs.map((doc) => ({
        taskId: String(doc._id),
        conversationId: doc.conversationId,
        contactId: doc.contactId,
        assigneeId: doc.assigneeId,
        teamId: doc.teamId,
        createdAt: doc.createdAt.toISOString(),
        dueAt: doc.dueAt.toISOString(),
        status: doc.status,
        outcome: doc.result?.outcome ?? null,
        note: doc.result?.note ?? null,
        completedBy: doc.result?.completedBy ?? null,
        completedAt: doc.result ? new Date(doc.result.completedAt).toISOString() : null,
      })),
    };
  }

  return { onResolved, createFollowUpTask, appearsAt, rearm, report };
}

export type FollowUps = ReturnType<typeof createFollowUps>;
