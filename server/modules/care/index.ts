/**
 * Customer care and tasks: the task store and `/api/tasks`, 回访 follow-up visits after a resolved
 * complaint, birthday / anniversary greetings, the re-engagement of quiet tier A / VIP customers, the
 * opt-out keyword, and staff notifications (an automation's `notify`). Jobs run on the bull queue `care`
 * with deterministic ids; a periodic sweep (`CARE_SWEEP_INTERVAL_MS`) schedules the greetings and
 * re-engagements that come due. docs/templates-automations-care.md describes the rules.
 */
import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import type { DomainEvents } from '../../domain-events';
import type { HttpModule } from '../../http/app';
import type { QueueFactory } from '../../infra/queues';
import type { Clock } from '../../lib/clock';
import type { EventBus } from '../../lib/event-bus';
import type { Logger } from '../../lib/logger';
import { parseInput } from '../../lib/validate';
import { rooms } from '../../realtime/socket-events';
import type { BusinessCalendar } from '../sla';
import { createCareMessages, isOptOutKeyword, type CareJob, type CareMessageDeps } from './care-messages';
import { createFollowUps, type FollowUpConversation } from './follow-ups';
import { createCareRouter, createTasksRouter } from './tasks.routes';
import { createTasksService, type TaskPublisher } from './tasks.service';

export { addBusinessDays } from './business-days';
export { chooseCareTarget, type RecentConversation } from './care-target';
export { isOptOutKeyword, type CareContact, type CareSettings } from './care-messages';
export { canSeeTask, toTaskSummary, type TasksService, type NewTask } from './tasks.service';

export const CARE_QUEUE = 'care';

const JobSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('follow_up'),
    conversationId: z.string(),
    resolvedAt: z.string(),
    key: z.string(),
  }),
  z.object({
    kind: z.literal('greeting'),
    type: z.enum(['birthday', 'anniversary']),
    contactId: z.string(),
    year: z.number().int(),
    date: z.string(),
  }),
  z.object({ kind: z.literal('reengage'), contactId: z.string(), since: z.string() }),
]);
type CareQueueJob = z.infer<typeof JobSchema>;

export interface NotificationPublisher {
  publish(input: {
    event: 'notification:new';
    payload: { text: string; conversationId: string | null; conversationNumber?: number };
    rooms: string[];
  }): Promise<unknown>;
}

export interface CareModuleDeps extends Omit<
  CareMessageDeps,
  'connection' | 'clock' | 'logger' | 'schedule'
> {
  connection: Connection;
  queues: QueueFactory;
  redis: Redis;
  keyPrefix: string;
  events: EventBus<DomainEvents>;
  clock: Clock;
  logger: Logger;
  /** `task:updated` and `notification:new` to agents' rooms (the realtime module's publish). */
  realtime?: TaskPublisher & NotificationPublisher;
  /** Staff email (the staff-mail queue), when an SMTP relay is configured. */
  mailer?: (mail: { key: string; to: string; subject: string; text: string }) => Promise<void>;
  findAgentEmail(agentId: string): Promise<string | null>;
  findFollowUpConversation(id: string): Promise<FollowUpConversation | null>;
  resolvedComplaintsSince(since: Date, limit: number): Promise<FollowUpConversation[]>;
  calendarForTeam(teamId: string | null): Promise<BusinessCalendar | null>;
  findMessageText(messageId: string): Promise<string | null>;
  setOptOut(contactId: string, optOut: boolean): Promise<unknown>;
  addNote(conversationId: string, text: string): Promise<unknown>;
  followUpBusinessDays: number;
  sweepIntervalMs: number;
}

export function createCareModule(deps: CareModuleDeps) {
  const logger = deps.logger.child({ module: 'care' });
  const { clock, events } = deps;
  const queue = deps.queues.queue<CareQueueJob>(CARE_QUEUE);
  async function schedule(job: CareQueueJob, jobId: string, at: Date) {
    await queue.add(job, {
      jobId,
      delay: Math.max(0, at.getTime() - clock.now().getTime()),
      attempts: 5,
      backoff: { type: 'exponential', delay: 5_000 },
      removeOnComplete: true,
      removeOnFail: 1_000,
    });
  }
  const tasks = createTasksService({
    connection: deps.connection,
    clock,
    ...(deps.realtime ? { realtime: deps.realtime } : {}),
  });
  const followUps = createFollowUps({
    connection: deps.connection,
    tasks,
    findConversation: (id) => deps.findFollowUpConversation(id),
    calendarForTeam: (teamId) => deps.calendarForTeam(teamId),
    resolvedComplaintsSince: (since, limit) => deps.resolvedComplaintsSince(since, limit),
    businessDays: deps.followUpBusinessDays,
    now: () => clock.now(),
    schedule: (job, at) => schedule(job, `care:${job.key}`, at),
  });
  const messages = createCareMessages({
    ...deps,
    logger,
    schedule: (job: CareJob, jobId, at) => schedule(job, jobId, at),
  });

  /** Staff notices: a socket event to each agent and team named, and an email to each agent when mail is set up. */
  async function notify(input: {
    agentIds: string[];
    teamIds: string[];
    text: string;
    conversationId: string | null;
    conversationNumber?: number;
    key: string;
  }) {
    const agentIds = [...new Set(input.agentIds)];
    const targets = [...agentIds.map(rooms.agent), ...[...new Set(input.teamIds)].map(rooms.team)];
    if (targets.length === 0) return { delivered: 0 };
    await deps.realtime?.publish({
      event: 'notification:new',
      payload: {
        text: input.text,
        conversationId: input.conversationId,
        ...(input.conversationNumber ? { conversationNumber: input.conversationNumber } : {}),
      },
      rooms: targets,
    });
    if (deps.mailer)
      for (const agentId of agentIds) {
        const to = await deps.findAgentEmail(agentId);
        if (!to) continue;
        await deps.mailer({
          key: `notify:${input.key}:${agentId}`,
          to,
          subject: `Omnihub: ${input.conversationNumber ? `#${input.conversationNumber} ` : ''}${input.text.slice(0, 80)}`,
          text: input.text,
        });
      }
    return { delivered: targets.length };
  }

  /** The job handler (tests call it to run a job twice). */
  async function processJob(data: unknown) {
    const job = parseInput(JobSchema, data, 'care job');
    if (job.kind === 'follow_up') return followUps.createFollowUpTask(job);
    return messages.runJob(job);
  }

  /**
   * Schedules the greetings and re-engagements that come due and re-arms lost follow-up jobs
   * (deterministic job ids: repeats are no-ops).
   */
  async function sweep() {
    return {
      followUps: await followUps.rearm(),
      greetings: await messages.scheduleGreetings(),
      reengagements: await messages.scheduleReengagement(),
    };
  }

  events.on('conversation.updated', async ({ conversationId, changes, status }) => {
    if (!changes.includes('status') || status !== 'resolved') return;
    await followUps
      .onResolved(conversationId)
      .catch((error: unknown) =>
        logger.error({ err: error, conversationId }, 'scheduling a follow-up failed'),
      );
  });
  // 退订 / STOP: the contact gets no more care messages (a note tells the agents).
  events.on('message.received', async ({ conversationId, messageId, contactId, isAutomated }) => {
    if (isAutomated || !isOptOutKeyword(await deps.findMessageText(messageId))) return;
    await deps.setOptOut(contactId, true);
    await deps.addNote(conversationId, '客户已退订关怀消息。The customer opted out of care messages.');
  });

  let sweepTimer: NodeJS.Timeout | undefined;
  let firstSweep: NodeJS.Timeout | undefined;
  let sweeping: Promise<unknown> | null = null;
  const lockKey = `${deps.keyPrefix}:care:sweep-lock`;

  return {
    tasks,
    followUps,
    messages,
    notify,
    processJob,
    sweep,
    queue,
    httpModules(guards: { requireAuth: RequestHandler; requireSupervisor: RequestHandler }): HttpModule[] {
      return [
        { path: '/api/tasks', router: createTasksRouter({ tasks, requireAuth: guards.requireAuth }) },
        {
          path: '/api/care',
          router: createCareRouter({
            followUps,
            now: () => clock.now(),
            settings: () => ({ ...deps.settings, followUpBusinessDays: deps.followUpBusinessDays }),
            ...guards,
          }),
        },
      ];
    },
    startWorkers(options: { concurrency?: number } = {}) {
      deps.queues.process<CareQueueJob>(CARE_QUEUE, { concurrency: options.concurrency ?? 4 }, async (job) =>
        processJob(job.data),
      );
      if (deps.sweepIntervalMs > 0) {
        const run = () => {
          if (sweeping) return;
          sweeping = deps.redis
            .set(lockKey, String(process.pid), 'PX', Math.max(deps.sweepIntervalMs - 100, 1_000), 'NX')
            .then((locked) => (locked === 'OK' ? sweep() : null))
            .catch((error: unknown) => logger.error({ err: error }, 'care sweep failed'))
            .finally(() => (sweeping = null));
        };
        firstSweep = setTimeout(run, 5_000);
        firstSweep.unref();
        sweepTimer = setInterval(run, deps.sweepIntervalMs);
        sweepTimer.unref();
      }
    },
    async stop() {
      if (sweepTimer) clearInterval(sweepTimer);
      if (firstSweep) clearTimeout(firstSweep);
      await sweeping;
    },
  };
}

export type CareModule = ReturnType<typeof createCareModule>;

/**
 * Demo care: the 回访 task of each resolved demo complaint exists at once (the follow-up job simply runs
 * early; its key is the job's, so the scheduled job later finds it and creates nothing).
 */
export async function seedDemoCare(
  module: CareModule,
  deps: { resolvedComplaints(): Promise<{ conversationId: string; resolvedAt: Date }[]> },
): Promise<void> {
  for (const { conversationId, resolvedAt } of await deps.resolvedComplaints())
    await module.followUps.createFollowUpTask(
      { conversationId, resolvedAt: resolvedAt.toISOString() },
      { early: true },
    );
}
