/**
 * Automations: rules of trigger + conditions + actions (`automations`, runs in `automation_runs`), run by
 * the bull queue `automations` after domain events, and time triggers (no customer reply for X minutes,
 * pending for Y days) as delayed jobs with deterministic ids, so each fires once. Automated mail
 * (`isAutomated` on `message.received`) never triggers a rule. Admin API `/api/automations`.
 */
import { randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { Types, trusted, type Connection, type Model } from 'mongoose';
import { z } from 'zod';
import type { DomainEvents } from '../../domain-events';
import type { HttpModule } from '../../http/app';
import type { QueueFactory } from '../../infra/queues';
import { isDuplicateKeyError } from '../../infra/mongo-errors';
import { AppError } from '../../lib/app-error';
import type { Clock } from '../../lib/clock';
import type { EventBus } from '../../lib/event-bus';
import type { Logger } from '../../lib/logger';
import { parseInput } from '../../lib/validate';
import { conditionsHold, type AutomationFacts } from './automation-conditions';
import { createAutomationEngine, type AutomationPorts, type TriggerOccurrence } from './automation-engine';
import { automationModels, type AutomationRuleDoc } from './automation.model';
import { createAutomationsRouter } from './automations.routes';
import { createContactDateTrigger, type ContactDatePorts } from './contact-date-trigger';
import {
  CreateRuleSchema,
  type AutomationEvent,
  type CreateRuleInput,
  type UpdateRuleInput,
} from './automation.schemas';

export * from './automation.schemas';
export { conditionsHold, conditionHolds, type AutomationFacts } from './automation-conditions';
export type { AutomationPorts, TriggerOccurrence } from './automation-engine';
export { createAutomationPorts, type AutomationPortDeps } from './automation-ports';
export type { ContactDatePorts, DatedContact } from './contact-date-trigger';

export const AUTOMATIONS_QUEUE = 'automations';

const JobSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('event'),
    event: z.string(),
    conversationId: z.string(),
    key: z.string(),
    messageId: z.string().optional(),
  }),
  z.object({
    kind: z.literal('rule'),
    ruleId: z.string(),
    conversationId: z.string(),
    key: z.string(),
    /** Time triggers: what must still hold when the job fires. */
    check: z.discriminatedUnion('type', [
      z.object({ type: z.literal('no_customer_reply'), since: z.string() }),
      z.object({ type: z.literal('pending_for'), since: z.string() }),
    ]),
  }),
  z.object({
    kind: z.literal('contact_date'),
    ruleId: z.string(),
    contactId: z.string(),
    date: z.string(),
    year: z.number().int(),
    at: z.string(),
    key: z.string(),
  }),
]);
type AutomationJob = z.infer<typeof JobSchema>;

export interface AutomationsModuleDeps {
  connection: Connection;
  queues: QueueFactory;
  redis: Redis;
  keyPrefix: string;
  events: EventBus<DomainEvents>;
  clock: Clock;
  logger: Logger;
  ports: AutomationPorts;
  /** Current facts of a conversation for time-trigger checks. */
  conversationState(id: string): Promise<{ status: string; lastInboundAt: Date | null } | null>;
  /** Read-only: conversations created in a window (the dry run). */
  Conversation: Model<{ _id: Types.ObjectId; createdAt: Date; number: number }>;
  loopCap: number;
  loopWindowMs: number;
  /** How far back a dry run looks. */
  dryRunDays: number;
  /** The contact-date trigger's reads (without them, `contact_date` rules never fire). */
  contactDates?: ContactDatePorts;
  /** How often worker processes sweep for contact dates coming due (0: never; tests call it). */
  dateSweepIntervalMs?: number;
}

/** A random, per-occurrence suffix: a job processed twice carries the same one (it is in the job data). */
const occurrenceId = () => `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;

export function createAutomationsModule(deps: AutomationsModuleDeps) {
  const logger = deps.logger.child({ module: 'automations' });
  const models = automationModels(deps.connection);
  const { Rules } = models;
  const { clock, events } = deps;
  const engine = createAutomationEngine({
    models,
    ports: deps.ports,
    clock,
    logger,
    loopCap: deps.loopCap,
    loopWindowMs: deps.loopWindowMs,
  });
  const queue = deps.queues.queue<AutomationJob>(AUTOMATIONS_QUEUE);
  const delayUntil = (at: Date) => Math.max(0, at.getTime() - clock.now().getTime());

  async function enqueue(job: AutomationJob, at?: Date) {
    await queue.add(job, {
      jobId: `auto:${job.kind === 'event' ? '' : `${job.ruleId}:`}${job.key}`,
      removeOnComplete: true,
      attempts: 3,
      backoff: { type: 'exponential', delay: 1000 },
      ...(at ? { delay: delayUntil(at) } : {}),
    });
  }
  const emitEvent = (event: AutomationEvent, conversationId: string, key: string, messageId?: string) =>
    enqueue({ kind: 'event', event, conversationId, key, ...(messageId ? { messageId } : {}) }).catch(
      (error: unknown) => logger.error({ err: error, event, conversationId }, 'automation enqueue failed'),
    );

  const timeRules = async (type: 'no_customer_reply' | 'pending_for' | 'contact_date') =>
    Rules.find({ enabled: true, 'trigger.type': type })
      .sort({ order: 1 })
      .limit(200)
      .lean<AutomationRuleDoc[]>();
  const pendingKey = (conversationId: string) =>
    `${deps.keyPrefix}:automations:pending-since:${conversationId}`;

  /** Schedules the time triggers that start now (deterministic ids: one job per rule and occasion). */
  async function scheduleNoReply(conversationId: string, messageId: string, at: Date) {
    for (const rule of await timeRules('no_customer_reply')) {
      if (rule.trigger.type !== 'no_customer_reply') continue;
      await enqueue(
        {
          kind: 'rule',
          ruleId: String(rule._id),
          conversationId,
          key: `no-reply:${conversationId}:${messageId}`,
          check: { type: 'no_customer_reply', since: at.toISOString() },
        },
        new Date(at.getTime() + rule.trigger.minutes * 60_000),
      );
    }
  }
  async function schedulePending(conversationId: string, since: Date) {
    await deps.redis.set(pendingKey(conversationId), String(since.getTime()), 'EX', 400 * 86_400);
    for (const rule of await timeRules('pending_for')) {
      if (rule.trigger.type !== 'pending_for') continue;
      await enqueue(
        {
          kind: 'rule',
          ruleId: String(rule._id),
          conversationId,
          key: `pending:${conversationId}:${since.getTime()}`,
          check: { type: 'pending_for', since: since.toISOString() },
        },
        new Date(since.getTime() + rule.trigger.days * 86_400_000),
      );
    }
  }

  /** A time trigger fires only when what it waited for still holds. */
  async function stillHolds(job: Extract<AutomationJob, { kind: 'rule' }>): Promise<boolean> {
    const state = await deps.conversationState(job.conversationId);
    if (!state || state.status === 'resolved' || state.status === 'closed') return false;
    const since = new Date(job.check.since);
    if (job.check.type === 'no_customer_reply') return !state.lastInboundAt || state.lastInboundAt < since;
    const current = await deps.redis.get(pendingKey(job.conversationId));
    return state.status === 'pending' && current === String(since.getTime());
  }

  const contactDates = deps.contactDates
    ? createContactDateTrigger({
        ports: deps.contactDates,
        clock,
        enabledRules: () => timeRules('contact_date'),
        findRule: (id) =>
          Types.ObjectId.isValid(id) ? Rules.findById(id).lean<AutomationRuleDoc>() : Promise.resolve(null),
        enqueue: (job, at) => enqueue(job, at),
      })
    : null;

  /** The job handler (also called by tests to run a job twice). */
  async function processJob(data: unknown) {
    const job = parseInput(JobSchema, data, 'automation job');
    if (job.kind === 'contact_date') {
      const conversationId = contactDates ? await contactDates.resolve(job) : null;
      if (!conversationId) return [];
      return engine.handle({ kind: 'rule', ruleId: job.ruleId, conversationId, key: job.key });
    }
    if (job.kind === 'rule' && !(await stillHolds(job))) return [];
    return engine.handle(job as TriggerOccurrence);
  }
  let dateSweepTimer: NodeJS.Timeout | undefined;

  // Domain events → jobs. Automated mail never triggers anything (no loops with auto-responders).
  events.on('conversation.created', async ({ conversationId }) =>
    emitEvent('conversation.created', conversationId, `created:${conversationId}`),
  );
  events.on('message.received', async ({ conversationId, messageId, isAutomated }) => {
    if (isAutomated) return;
    await emitEvent('message.received', conversationId, `message:${messageId}`, messageId);
  });
  events.on('message.created', async ({ conversationId, messageId, authorId, isPrivate }) => {
    if (isPrivate || !authorId) return;
    await scheduleNoReply(conversationId, messageId, clock.now()).catch((error: unknown) =>
      logger.error({ err: error, conversationId }, 'scheduling no-reply triggers failed'),
    );
  });
  events.on('conversation.updated', async ({ conversationId, changes, status }) => {
    const id = occurrenceId();
    if (changes.includes('status')) {
      await emitEvent('conversation.status_changed', conversationId, `status:${conversationId}:${id}`);
      if (status === 'pending') await schedulePending(conversationId, clock.now());
    }
    if (changes.includes('priority'))
      await emitEvent('conversation.priority_changed', conversationId, `priority:${conversationId}:${id}`);
    if (changes.includes('category'))
      await emitEvent('conversation.category_changed', conversationId, `category:${conversationId}:${id}`);
    if (changes.includes('csat')) await emitEvent('csat.received', conversationId, `csat:${conversationId}`);
  });
  events.on('sla.warning', async ({ conversationId, target, cycle }) =>
    emitEvent('sla.warning', conversationId, `sla-warning:${conversationId}:${target}:${cycle}`),
  );
  events.on('sla.breached', async ({ conversationId, target, cycle }) =>
    emitEvent('sla.breached', conversationId, `sla-breach:${conversationId}:${target}:${cycle}`),
  );

  const toView = ({ _id, ...rest }: AutomationRuleDoc) => ({ id: String(_id), ...rest });
  const idOf = (id: string) => {
    if (!Types.ObjectId.isValid(id)) throw new AppError('NOT_FOUND', { userMessage: 'No such automation.' });
    return new Types.ObjectId(id);
  };
  const conflict = (error: unknown) =>
    isDuplicateKeyError(error)
      ? new AppError('CONFLICT', { userMessage: 'An automation with this name exists.' })
      : error;

  const rules = {
    async list() {
      return (await Rules.find({}).sort({ order: 1, _id: 1 }).limit(500).lean<AutomationRuleDoc[]>()).map(
        toView,
      );
    },
    async get(id: string) {
      const doc = await Rules.findById(idOf(id)).lean<AutomationRuleDoc>();
      if (!doc) throw new AppError('NOT_FOUND', { userMessage: 'No such automation.' });
      return toView(doc);
    },
    async create(input: CreateRuleInput, actorId: string | null) {
      const now = clock.now();
      try {
        const [doc] = await Rules.create([
          { ...input, createdBy: actorId, updatedBy: actorId, createdAt: now, updatedAt: now },
        ]);
        return toView(doc!.toObject());
      } catch (error) {
        throw conflict(error);
      }
    },
    async update(id: string, input: UpdateRuleInput, actorId: string) {
      try {
        const doc = await Rules.findByIdAndUpdate(
          idOf(id),
          { $set: { ...input, updatedBy: actorId, updatedAt: clock.now() } },
          { returnDocument: 'after' },
        ).lean<AutomationRuleDoc>();
        if (!doc) throw new AppError('NOT_FOUND', { userMessage: 'No such automation.' });
        return toView(doc);
      } catch (error) {
        throw conflict(error);
      }
    },
    async remove(id: string) {
      const result = await Rules.deleteOne({ _id: idOf(id) });
      if (result.deletedCount === 0) throw new AppError('NOT_FOUND', { userMessage: 'No such automation.' });
    },
    /**
     * What the rule's conditions would have matched among the conversations created in the last
     * `dryRunDays` days (their current facts); nothing is changed.
     */
    async dryRun(rule: { conditions: AutomationRuleDoc['conditions'] }) {
      const since = new Date(clock.now().getTime() - deps.dryRunDays * 86_400_000);
      const matched: { id: string; number: number }[] = [];
      let scanned = 0;
      let cursor: Types.ObjectId | null = null;
      for (;;) {
        const filter: Record<string, unknown> = { createdAt: trusted({ $gte: since }) };
        if (cursor) filter._id = trusted({ $gt: cursor });
        const page = await deps.Conversation.find(filter)
          .sort({ _id: 1 })
          .limit(500)
          .select({ _id: 1, number: 1, createdAt: 1 })
          .lean<{ _id: Types.ObjectId; number: number }[]>();
        for (const conversation of page) {
          scanned += 1;
          const facts: AutomationFacts | null = await deps.ports.loadFacts(String(conversation._id));
          if (facts && conditionsHold(rule.conditions, facts))
            matched.push({ id: String(conversation._id), number: conversation.number });
        }
        if (page.length < 500 || scanned >= 20_000) break;
        cursor = page.at(-1)!._id;
      }
      return { since: since.toISOString(), scanned, matched };
    },
  };

  return {
    rules,
    engine,
    processJob,
    queue,
    /** Schedules the contact-date occurrences of the next 36 hours (deterministic job ids). */
    sweepContactDates: async () => (contactDates ? contactDates.sweep() : 0),
    httpModule(guards: {
      requireAuth: RequestHandler;
      requireSupervisor: RequestHandler;
      requireAdmin: RequestHandler;
    }): HttpModule {
      return { path: '/api/automations', router: createAutomationsRouter({ rules, ...guards }) };
    },
    startWorkers(options: { concurrency?: number } = {}) {
      deps.queues.process<AutomationJob>(
        AUTOMATIONS_QUEUE,
        { concurrency: options.concurrency ?? 4 },
        async (job) => processJob(job.data),
      );
      const every = deps.dateSweepIntervalMs ?? 0;
      if (contactDates && every > 0) {
        let running = false;
        dateSweepTimer = setInterval(() => {
          if (running) return;
          running = true;
          void contactDates
            .sweep()
            .catch((error: unknown) => logger.error({ err: error }, 'contact-date sweep failed'))
            .finally(() => (running = false));
        }, every);
        dateSweepTimer.unref();
      }
    },
    stop() {
      if (dateSweepTimer) clearInterval(dateSweepTimer);
    },
  };
}

export type AutomationsModule = ReturnType<typeof createAutomationsModule>;

/** The demo's two automations: VIP/A customers first, and a nudge on conversations pending three days. */
export async function seedDemoAutomations(
  module: AutomationsModule,
  context: { agentIds: Map<string, string> },
): Promise<void> {
  const adminId = context.agentIds.get('admin') ?? null;
  const rules = [
    {
      name: 'VIP / A 客户优先 VIP customers first',
      order: 10,
      trigger: { type: 'event', event: 'conversation.created' },
      conditions: [{ field: 'contact.tier', op: 'in', value: ['VIP', 'A'] }],
      actions: [
        { type: 'set_priority', priority: 'high' },
        { type: 'add_tags', tags: ['vip'] },
      ],
    },
    {
      name: '待客户回复 3 天提醒 Pending for 3 days',
      order: 20,
      trigger: { type: 'pending_for', days: 3 },
      actions: [
        {
          type: 'notify',
          to: ['assignee'],
          text: '客户 3 天未回复，请跟进或关闭。No answer for 3 days: follow up or close.',
        },
        {
          type: 'create_task',
          title: '跟进待回复客户 Follow up the waiting customer',
          dueInMinutes: 24 * 60,
        },
      ],
    },
  ];
  for (const rule of rules)
    await module.rules.create(parseInput(CreateRuleSchema, rule, 'demo automation'), adminId);
}
