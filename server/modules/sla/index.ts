/**
 * The SLA module's public surface: business calendars, policies, the clock, timers (bull queue `sla`),
 * the sweep, escalation, complaint handling hooks and the supervisor reports.
 *
 * Where state lives: each conversation's clock is in its `sla` sub-document (history of the events that
 * matter, recorded warnings/breaches, due times, stored business-time durations), written only on `sla.*`
 * paths with conditional updates; policies and calendars are the `sla_policies` and `calendars`
 * collections.
 */
import type { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import type { DomainEvents } from '../../domain-events';
import type { HttpModule } from '../../http/app';
import type { QueueFactory } from '../../infra/queues';
import type { Clock } from '../../lib/clock';
import type { EventBus } from '../../lib/event-bus';
import type { Logger } from '../../lib/logger';
import type { TemplateRenderer } from '../templates';
import { createSlaAdmin } from './sla-admin.service';
import { createComplaintHandling, type AutomatedSender, type CsatWriter } from './sla-complaints';
import {
  createEscalationHandler,
  type SlaConversationActions,
  type SlaPublisher,
  type StaffMailer,
} from './sla-escalation';
import { createSlaReports } from './sla-reports';
import { createSlaStore, type StoredHistoryEvent } from './sla-store';
import { createSlaAdminRouter, createSlaReportsRouter, type SlaRouteGuards } from './sla.routes';
import { createComplaintsRouter, createCsatSettingsRouter } from './sla-complaints.routes';
import { createCsatSettings } from './sla-csat-settings';
import { createSlaService, SLA_QUEUE, type SlaTimerJob } from './sla.service';

export * from './business-calendar';
export { createInboxBusinessHours, type InboxBusinessHours } from './business-hours';
export { selectPolicy, policyMatches, SLA_TARGETS } from './sla-policy-select';
export type {
  SlaPolicyRules,
  SlaConditions,
  EscalationStep,
  EscalationAction,
  SlaTargetName,
} from './sla-policy-select';
export { computeSlaState, armedTimers, dueEvents, timerKey } from './sla-clock';
export type { SlaClockState, SlaHistoryEvent, TargetState } from './sla-clock';
export { SLA_QUEUE, timerJobId, type SlaService, type SlaTimerJob } from './sla.service';
export {
  percentile,
  reportToCsv,
  REPORT_GROUPS,
  slaReportPipeline,
  type SlaReport,
  type ReportRow,
} from './sla-reports';
export { parseCsatAnswer, templateChannelFor } from './sla-complaints';
export type { AutomatedSender, CsatWriter } from './sla-complaints';
export type { SlaConversationActions, SlaPublisher, StaffMailer } from './sla-escalation';
export type { SlaRouteGuards } from './sla.routes';

export interface SlaModuleDeps {
  connection: Connection;
  redis: Redis;
  queues: QueueFactory;
  queuePrefix: string;
  events: EventBus<DomainEvents>;
  templates: TemplateRenderer;
  clock: Clock;
  logger: Logger;
  publicUrl: string;
  companyName: string;
  /** How often the sweep runs in worker processes (0: never; tests call `sweep()` themselves). */
  sweepIntervalMs: number;
  realtime?: SlaPublisher;
  mailer?: StaffMailer;
  /** Priority and team changes through the conversations service (escalation). */
  actions?: SlaConversationActions;
  /** The conversations/outbound path for automated customer messages (acknowledgement, CSAT question). */
  sendAutomated?: AutomatedSender;
  setCsat?: CsatWriter;
  guards?: SlaRouteGuards;
}

export function createSlaModule(deps: SlaModuleDeps) {
  const logger = deps.logger.child({ module: 'sla' });
  const { events, clock } = deps;
  const store = createSlaStore({ connection: deps.connection, now: () => clock.now().getTime() });
  const queue = deps.queues.queue<SlaTimerJob>(SLA_QUEUE);
  const service = createSlaService({
    store,
    queue,
    redis: deps.redis,
    sentinelKey: `${deps.queuePrefix}:sla:timers-armed`,
    events,
    clock,
    logger,
  });
  service.setFiredHandler(
    createEscalationHandler({
      store,
      events,
      templates: deps.templates,
      logger,
      publicUrl: deps.publicUrl,
      realtime: deps.realtime,
      mailer: deps.mailer,
      actions: deps.actions,
    }),
  );
  const csatSettings = createCsatSettings({ connection: deps.connection, clock });
  const complaints = createComplaintHandling({
    store,
    templates: deps.templates,
    events,
    clock,
    logger,
    companyName: deps.companyName,
    sendAutomated: deps.sendAutomated,
    setCsat: deps.setCsat,
    csatSettings,
    ...(deps.actions
      ? { setPriority: (id: string, priority: 'urgent') => deps.actions!.setPriority(id, priority) }
      : {}),
  });
  const reports = createSlaReports({ store, now: () => clock.now() });

  let reevaluation: Promise<unknown> = Promise.resolve();
  const admin = createSlaAdmin({
    store,
    clock,
    onRulesChanged: () => {
      reevaluation = reevaluation
        .then(() => service.reevaluateOpen())
        .catch((error: unknown) => logger.error({ err: error }, 'sla re-evaluation failed'));
    },
  });

  /** Brings a conversation's clock up to date and runs the complaint hooks on the result. */
  const update = async (conversationId: string, append: StoredHistoryEvent[] = []) => {
    const { result } = await service.check(conversationId, append);
    if (result) await complaints.afterRefresh(result);
    return result;
  };

  events.on('conversation.created', async ({ conversationId }) => void (await update(conversationId)));
  events.on('conversation.assigned', async ({ conversationId }) => void (await update(conversationId)));
  events.on('conversation.updated', async ({ conversationId, changes, status }) => {
    const relevant = ['status', 'category', 'priority', 'teamId', 'team', 'contactTier', 'channel'];
    if (!changes.some((change) => relevant.includes(change))) return;
    const result = await update(conversationId);
    if (result && changes.includes('status') && (status ?? result.conversation.status) === 'resolved')
      await complaints.onResolved(result.conversation);
  });
  events.on('message.received', async ({ conversationId, messageId, isAutomated }) => {
    const message = await store.findMessage(messageId);
    const before = await store.findConversation(conversationId);
    if (before && message && (await complaints.onCustomerMessage(before, message.text))) {
      // A CSAT answer is not a new request: it starts no response cycle (and ingest kept it resolved).
      await update(conversationId);
      return;
    }
    const append: StoredHistoryEvent[] =
      message && !isAutomated && !message.isAutomated
        ? [{ type: 'inbound', at: new Date(message.occurredAt), ref: messageId }]
        : [];
    await update(conversationId, append);
  });
  events.on('message.created', async ({ conversationId, messageId, isPrivate }) => {
    const message = isPrivate ? null : await store.findMessage(messageId);
    const isHumanReply =
      message !== null &&
      message.direction === 'outbound' &&
      message.kind === 'message' &&
      !message.isAutomated &&
      Boolean(message.authorId);
    const append: StoredHistoryEvent[] = isHumanReply
      ? [{ type: 'reply', at: new Date(message.occurredAt), ref: messageId, human: true, public: true }]
      : [];
    await update(conversationId, append);
  });

  let sweepTimer: NodeJS.Timeout | undefined;
  let sweeping: Promise<unknown> | null = null;
  const lockKey = `${deps.queuePrefix}:sla:sweep-lock`;

  /** One sweep across hub processes at a time (a Redis lock that expires by itself). */
  async function sweepOnce() {
    const interval = Math.max(deps.sweepIntervalMs, 1000);
    const locked = await deps.redis
      .set(lockKey, String(process.pid), 'PX', interval - 100, 'NX')
      .catch(() => null);
    if (locked !== 'OK') return null;
    return service.sweep();
  }

  const httpModules = (guards: SlaRouteGuards): HttpModule[] => [
    {
      path: '/api/sla/csat-settings',
      router: createCsatSettingsRouter({ settings: csatSettings, ...guards }),
    },
    { path: '/api/complaints', router: createComplaintsRouter({ complaints, ...guards }) },
    {
      path: '/api/sla',
      router: createSlaAdminRouter({
        admin,
        service,
        findConversationAccess: (id) => store.findConversation(id),
        ...guards,
      }),
    },
    { path: '/api/reports', router: createSlaReportsRouter({ reports, ...guards }) },
  ];

  return {
    service,
    reports,
    admin,
    complaints,
    csatSettings,
    store,
    /** Resolves when the re-evaluation triggered by the last policy or calendar edit has finished. */
    idle: () => reevaluation,
    httpModules,
    /** Registers the timer processor and starts the periodic sweep (worker processes). */
    startWorkers(options: { concurrency?: number } = {}) {
      deps.queues.process<SlaTimerJob>(SLA_QUEUE, { concurrency: options.concurrency ?? 20 }, async (job) =>
        service.processTimerJob(job.data),
      );
      if (deps.sweepIntervalMs > 0) {
        sweepTimer = setInterval(() => {
          if (sweeping) return;
          sweeping = sweepOnce()
            .catch((error: unknown) => logger.error({ err: error }, 'sla sweep failed'))
            .finally(() => (sweeping = null));
        }, deps.sweepIntervalMs);
        sweepTimer.unref();
      }
    },
    /** Stops the sweep; waits for a running one. */
    async stop() {
      if (sweepTimer) clearInterval(sweepTimer);
      await sweeping;
      await reevaluation;
    },
  };
}

export type SlaModule = ReturnType<typeof createSlaModule>;
export { createAutomatedSender, type AutomatedSenderDeps } from './sla-automated-sender';
