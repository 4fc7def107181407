import http from 'node:http';
import https from 'node:https';
import type { Job } from 'bull';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import type { SecretBox } from '../../lib/secret-box';
import type { WebhookJob } from './webhook-outbox';
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature';
import { guardedLookup, hostPortOf } from './webhook-url-guard';
import type { OutboxRecord, SubscriptionRecord, WebhookModels } from './webhook.models';

/** A subscription failing for this long without one success is disabled (and the admins are told). */
export const DISABLE_AFTER_MS = 24 * 3600_000;
const EXCERPT_CHARS = 500;

interface HttpAnswer {
  status: number;
  excerpt: string;
}

function post(
  url: URL,
  body: string,
  headers: Record<string, string>,
  options: { timeoutMs: number; allowInternal: boolean },
): Promise<HttpAnswer> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: guardedLookup(options.allowInternal),
        timeout: options.timeoutMs,
      },
      (response) => {
        let excerpt = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (excerpt.length < EXCERPT_CHARS) excerpt += chunk.slice(0, EXCERPT_CHARS - excerpt.length);
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, excerpt }));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * Delivers one event to one subscription: signed, logged per attempt; a 2xx ends it, anything else throws
 * so bull retries with backoff (the subscription's failure clock starts at the first failure and is
 * cleared by a success). A subscription failing for a day is disabled and `onDisabled` tells the admins.
 */
export function createWebhookDeliveryHandler(deps: {
  models: WebhookModels;
  secrets: SecretBox;
  clock: Clock;
  logger: Logger;
  timeoutMs: number;
  allowlist: ReadonlySet<string>;
  onDisabled: (subscription: SubscriptionRecord, reason: string) => Promise<void>;
}) {
  const { Subscription, Outbox, Delivery } = deps.models;
  return async (job: Job<WebhookJob>): Promise<void> => {
    const { subscriptionId, eventKey, manual } = job.data;
    const subscription = await Subscription.findById(subscriptionId).lean<SubscriptionRecord>();
    if (!subscription || (!subscription.enabled && !manual)) return;
    const event = await Outbox.findOne({ key: eventKey }).lean<OutboxRecord>();
    if (!event) return;
    const url = new URL(subscription.url);
    const body = JSON.stringify({
      id: event.key,
      type: event.type,
      occurredAt: event.occurredAt,
      data: event.data,
    });
    const timestamp = Math.floor(deps.clock.now().getTime() / 1000);
    const secret = deps.secrets.open(subscription.secret, `webhook:${subscriptionId}`);
    const started = Date.now();
    let answer: HttpAnswer | null = null;
    let error: string | null = null;
    try {
      answer = await post(
        url,
        body,
        {
          'content-type': 'application/json',
          'user-agent': 'Omnihub-Webhooks/1',
          [SIGNATURE_HEADER]: signWebhook({ secret, timestamp, body }),
          'omnihub-event-id': event.key,
          'omnihub-event-type': event.type,
          'idempotency-key': event.key,
        },
        { timeoutMs: deps.timeoutMs, allowInternal: deps.allowlist.has(hostPortOf(url)) },
      );
    } catch (caught) {
      error = (caught as Error).message.slice(0, 300);
    }
    const delivered = answer !== null && answer.status >= 200 && answer.status < 300;
    const now = deps.clock.now();
    await Delivery.create({
      subscriptionId,
      eventKey,
      eventType: event.type,
      attempt: job.attemptsMade + 1,
      manual: manual ?? false,
      outcome: delivered ? 'delivered' : 'failed',
      responseStatus: answer?.status ?? null,
      responseExcerpt: answer?.excerpt ?? '',
      error: error ?? (delivered ? null : `HTTP ${answer?.status ?? 0}`),
      latencyMs: Date.now() - started,
      at: now,
    });
    if (delivered) {
      if (subscription.failingSince)
        await Subscription.updateOne({ _id: subscription._id }, { $set: { failingSince: null } });
      return;
    }
    const failing = await Subscription.findOneAndUpdate(
      { _id: subscription._id, failingSince: null },
      { $set: { failingSince: now } },
      { returnDocument: 'after' },
    ).lean<SubscriptionRecord>();
    const since = failing?.failingSince ?? subscription.failingSince ?? now;
    if (now.getTime() - since.getTime() >= DISABLE_AFTER_MS && subscription.enabled) {
      const reason = `Deliveries failed for more than a day (last: ${error ?? `HTTP ${answer?.status ?? 0}`}).`;
      const disabled = await Subscription.findOneAndUpdate(
        { _id: subscription._id, enabled: true },
        { $set: { enabled: false, disabledAt: now, disabledReason: reason } },
        { returnDocument: 'after' },
      ).lean<SubscriptionRecord>();
      if (disabled) await deps.onDisabled(disabled, reason);
      return; // disabled: no more retries
    }
    throw new Error(`webhook delivery failed: ${error ?? `HTTP ${answer?.status ?? 0}`}`);
  };
}
