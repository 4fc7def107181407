/**
 * Integrations: outgoing webhooks (subscriptions per event type, signed deliveries from a bull queue with
 * retries for about a day, a delivery log with manual redelivery, automatic disabling, an SSRF guard) fed
 * by an outbox with a recovery sweep. API tokens live with identity (the agents module).
 */
import type { RequestHandler } from 'express';
import type { Connection } from 'mongoose';
import type { DomainEvents } from '../../domain-events';
import type { HttpModule } from '../../http/app';
import type { QueueFactory } from '../../infra/queues';
import type { Clock } from '../../lib/clock';
import type { EventBus } from '../../lib/event-bus';
import type { Logger } from '../../lib/logger';
import type { SecretBox } from '../../lib/secret-box';
import { createWebhookDeliveryHandler } from './webhook-delivery.job';
import { WEBHOOK_MAPPERS, type WebhookEventType } from './webhook-events';
import {
  createWebhookOutbox,
  WEBHOOK_QUEUE,
  type DescribeMessage,
  type ListRecentMessages,
  type WebhookJob,
} from './webhook-outbox';
import { getWebhookModels, type SubscriptionRecord } from './webhook.models';
import { createWebhooksRouter } from './webhooks.routes';
import { createWebhooksService } from './webhooks.service';

export { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './webhook-events';
export { signWebhook, verifyWebhookSignature, SIGNATURE_HEADER } from './webhook-signature';
export { isInternalAddress } from './webhook-url-guard';

const SWEEP_INTERVAL_MS = 60_000;
const TYPES_CACHE_MS = 5_000;

export interface IntegrationsModuleDeps {
  connection: Connection;
  events: EventBus<DomainEvents>;
  queues: QueueFactory;
  clock: Clock;
  logger: Logger;
  /** Seals subscription secrets at rest (the inbox credentials' key). */
  secrets: SecretBox;
  /** `host:port` pairs an admin allows although they are internal (OUTGOING_WEBHOOK_ALLOWLIST). */
  allowlist: readonly string[];
  retry: { attempts: number; baseDelayMs: number };
  timeoutMs: number;
  describeMessage: DescribeMessage;
  listRecentMessages: ListRecentMessages;
  /** Tells the admins a subscription was disabled (audit entry, email when configured). */
  notifyDisabled: (subscription: { id: string; url: string; reason: string }) => Promise<void>;
  requireAuth: RequestHandler;
  requireAdmin: RequestHandler;
  principalId: (req: Parameters<RequestHandler>[0]) => string;
}

export function createIntegrationsModule(deps: IntegrationsModuleDeps) {
  const logger = deps.logger.child({ module: 'integrations' });
  const models = getWebhookModels(deps.connection);
  const allowlist = new Set(deps.allowlist.map((entry) => entry.toLowerCase()));
  const queue = deps.queues.queue<WebhookJob>(WEBHOOK_QUEUE);
  const outbox = createWebhookOutbox({
    models,
    queue,
    clock: deps.clock,
    logger,
    retry: deps.retry,
    describeMessage: deps.describeMessage,
    listRecentMessages: deps.listRecentMessages,
  });
  const webhooks = createWebhooksService({
    models,
    secrets: deps.secrets,
    queue,
    clock: deps.clock,
    allowlist,
  });

  // Which event types some enabled subscription wants: no subscription, no outbox write on the hot path.
  let wanted: { types: Set<string>; at: number } | null = null;
  const wantedTypes = async (): Promise<Set<string>> => {
    if (wanted && Date.now() - wanted.at < TYPES_CACHE_MS) return wanted.types;
    const types: unknown[] = await models.Subscription.distinct('events', { enabled: true });
    const fresh = { types: new Set(types.map(String)), at: Date.now() };
    wanted = fresh;
    return fresh.types;
  };
  const forgetWanted = () => {
    wanted = null;
  };

  // Domain events → outbox, off the emitter's path (the sweep recovers what a crash loses).
  const inFlight = new Set<Promise<void>>();
  for (const name of Object.keys(WEBHOOK_MAPPERS) as (keyof DomainEvents)[]) {
    const mapper = WEBHOOK_MAPPERS[name] as (
      payload: unknown,
      at: Date,
    ) => ReturnType<NonNullable<(typeof WEBHOOK_MAPPERS)['sla.warning']>>;
    deps.events.on(name, (payload) => {
      const at = deps.clock.now();
      const event = mapper(payload, at);
      if (!event) return;
      const work = wantedTypes()
        .then((types) => (types.has(event.type) ? outbox.record({ ...event, occurredAt: at }) : undefined))
        .catch((error: unknown) =>
          logger.error({ err: error, key: event.key }, 'recording a webhook event failed'),
        )
        .finally(() => inFlight.delete(work));
      inFlight.add(work);
    });
  }

  let sweepTimer: NodeJS.Timeout | undefined;
  const sweep = async () => {
    if ((await wantedTypes()).size === 0) return { recovered: 0, fannedOut: 0 };
    return outbox.sweep();
  };

  const httpModules: HttpModule[] = [
    {
      path: '/api/webhooks',
      router: createWebhooksRouter({
        webhooks: {
          ...webhooks,
          create: async (input, actorId) => {
            forgetWanted();
            return webhooks.create(input, actorId);
          },
          update: async (id, input) => {
            forgetWanted();
            return webhooks.update(id, input);
          },
        },
        requireAuth: deps.requireAuth,
        requireAdmin: deps.requireAdmin,
        principalId: deps.principalId,
      }),
    },
  ];

  return {
    webhooks,
    httpModules,
    /** The recovery sweep (runs every minute on worker processes; tests call it). */
    sweep,
    startWorkers() {
      deps.queues.process<WebhookJob>(
        WEBHOOK_QUEUE,
        { concurrency: 8 },
        createWebhookDeliveryHandler({
          models,
          secrets: deps.secrets,
          clock: deps.clock,
          logger,
          timeoutMs: deps.timeoutMs,
          allowlist,
          onDisabled: (subscription: SubscriptionRecord, reason: string) =>
            deps.notifyDisabled({ id: String(subscription._id), url: subscription.url, reason }),
        }),
      );
      const run = () => {
        sweep().catch((error: unknown) => logger.error({ err: error }, 'webhook sweep failed'));
      };
      run();
      sweepTimer = setInterval(run, SWEEP_INTERVAL_MS);
      sweepTimer.unref();
    },
    async stop() {
      if (sweepTimer) clearInterval(sweepTimer);
      await Promise.allSettled([...inFlight]);
    },
  };
}
export type IntegrationsModule = ReturnType<typeof createIntegrationsModule>;
export type { WebhookEventType as IntegrationEventType };
