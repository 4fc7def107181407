import { randomBytes } from 'node:crypto';
import type { Queue } from 'bull';
import { Types } from 'mongoose';
import { AppError } from '../../lib/app-error';
import type { Clock } from '../../lib/clock';
import type { SecretBox } from '../../lib/secret-box';
import type { WebhookEventType } from './webhook-events';
import type { WebhookJob } from './webhook-outbox';
import { checkWebhookUrl } from './webhook-url-guard';
import type { DeliveryRecord, SubscriptionRecord, WebhookModels } from './webhook.models';

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

function toView(doc: SubscriptionRecord) {
  return {
    id: String(doc._id),
    url: doc.url,
    description: doc.description ?? '',
    events: [...doc.events],
    enabled: doc.enabled,
    failingSince: iso(doc.failingSince),
    disabledAt: iso(doc.disabledAt),
    disabledReason: doc.disabledReason ?? null,
    createdBy: doc.createdBy,
    createdAt: doc.createdAt.toISOString(),
  };
}
export type SubscriptionView = ReturnType<typeof toView>;

function toDeliveryView(doc: DeliveryRecord) {
  return {
    id: String(doc._id),
    eventKey: doc.eventKey,
    eventType: doc.eventType,
    attempt: doc.attempt,
    manual: doc.manual ?? false,
    outcome: doc.outcome,
    responseStatus: doc.responseStatus ?? null,
    responseExcerpt: doc.responseExcerpt ?? '',
    error: doc.error ?? null,
    latencyMs: doc.latencyMs,
    at: doc.at.toISOString(),
  };
}

/** Subscriptions (admin API), their delivery log and manual redelivery. */
export function createWebhooksService(deps: {
  models: WebhookModels;
  secrets: SecretBox;
  queue: Queue<WebhookJob>;
  clock: Clock;
  allowlist: ReadonlySet<string>;
}) {
  const { Subscription, Delivery, Outbox } = deps.models;

  const getDoc = async (id: string) => {
    const doc = Types.ObjectId.isValid(id)
      ? await Subscription.findById(id).lean<SubscriptionRecord>()
      : null;
    if (!doc) throw new AppError('NOT_FOUND', { userMessage: 'No such webhook subscription.' });
    return doc;
  };
  const assertUrl = async (url: string) => {
    const checked = await checkWebhookUrl(url, deps.allowlist);
    if (!checked.ok)
      throw new AppError('INVALID_INPUT', { userMessage: `The URL is refused: ${checked.reason}.` });
  };

  return {
    async list() {
      const docs = await Subscription.find({})
        .sort({ createdAt: -1 })
        .limit(500)
        .lean<SubscriptionRecord[]>();
      return docs.map(toView);
    },

    async get(id: string) {
      return toView(await getDoc(id));
    },

    /** The secret is in this answer only. */
    async create(input: { url: string; events: WebhookEventType[]; description?: string }, actorId: string) {
      await assertUrl(input.url);
      const _id = new Types.ObjectId();
      const secret = `whsec_${randomBytes(24).toString('base64url')}`;
      const doc = await Subscription.create({
        _id,
        url: input.url,
        description: input.description ?? '',
        events: [...new Set(input.events)],
        secret: deps.secrets.seal(secret, `webhook:${String(_id)}`),
        createdBy: actorId,
        createdAt: deps.clock.now(),
      });
      return { ...toView(doc.toObject<SubscriptionRecord>()), secret };
    },

    /** Re-enabling clears the failure clock. */
    async update(
      id: string,
      input: { url?: string; events?: WebhookEventType[]; description?: string; enabled?: boolean },
    ) {
      await getDoc(id);
      if (input.url) await assertUrl(input.url);
      const set: Record<string, unknown> = {};
      if (input.url) set.url = input.url;
      if (input.events) set.events = [...new Set(input.events)];
      if (input.description !== undefined) set.description = input.description;
      if (input.enabled !== undefined) {
        set.enabled = input.enabled;
        if (input.enabled) Object.assign(set, { failingSince: null, disabledAt: null, disabledReason: null });
      }
      const doc = await Subscription.findByIdAndUpdate(
        id,
        { $set: set },
        { returnDocument: 'after' },
      ).lean<SubscriptionRecord>();
      return toView(doc ?? (await getDoc(id)));
    },

    async remove(id: string) {
      await getDoc(id);
      await Subscription.deleteOne({ _id: id });
    },

    async deliveries(id: string, limit: number) {
      await getDoc(id);
      const docs = await Delivery.find({ subscriptionId: id })
        .sort({ at: -1, _id: -1 })
        .limit(limit)
        .lean<DeliveryRecord[]>();
      return docs.map(toDeliveryView);
    },

    /** Queues the event again for this subscription (a new job id: it runs even after a success). */
    async redeliver(id: string, eventKey: string) {
      await getDoc(id);
      if (!(await Outbox.exists({ key: eventKey })))
        throw new AppError('NOT_FOUND', { userMessage: 'No such event (events are kept a week).' });
      await deps.queue.add(
        { subscriptionId: id, eventKey, manual: true },
        { jobId: `${id}|${eventKey}|manual|${deps.clock.now().getTime()}`, attempts: 1 },
      );
    },
  };
}
export type WebhooksService = ReturnType<typeof createWebhooksService>;
