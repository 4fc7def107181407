import type { Queue } from 'bull';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import type { WebhookEvent } from './webhook-events';
import type { OutboxRecord, WebhookModels } from './webhook.models';

export const WEBHOOK_QUEUE = 'webhook-delivery';

export interface WebhookJob {
  subscriptionId: string;
  eventKey: string;
  /** An admin's redelivery (logged as such; its job id is new, so it runs even after a success). */
  manual?: boolean;
}

/** What a delivery's message events carry about the message (read once, when the event is recorded). */
export type DescribeMessage = (messageId: string) => Promise<Record<string, unknown> | null>;

/** Messages stored in a time window (the sweep's source for events a crash lost before the outbox). */
export type ListRecentMessages = (input: {
  since: Date;
  until: Date;
  limit: number;
}) => Promise<{ messageId: string; conversationId: string; createdAt: Date }[]>;

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
}

/**
 * The outbox of outgoing webhooks. Why an outbox written after the change plus a sweep over the source,
 * rather than change streams: the embedded engine and a standalone mongod have none, and the domain event
 * that feeds the outbox is emitted after the write, so a crash in between would lose the event. The sweep
 * re-reads the messages stored in the last minutes and writes the outbox rows they lack (the key is the
 * message id, so a row is never written twice), and queues every row not yet fanned out; delivery job ids
 * are `subscription|event key`, so a row fanned out twice still queues one job per subscription.
 */
export function createWebhookOutbox(deps: {
  models: WebhookModels;
  queue: Queue<WebhookJob>;
  clock: Clock;
  logger: Logger;
  retry: RetryPolicy;
  describeMessage: DescribeMessage;
  listRecentMessages: ListRecentMessages;
}) {
  const { Outbox, Subscription } = deps.models;

  async function fanOut(row: OutboxRecord): Promise<void> {
    if (row.fannedOutAt) return;
    const subscriptions = await Subscription.find({ enabled: true, events: row.type })
      .select({ _id: 1 })
      .limit(1000)
      .lean<{ _id: unknown }[]>();
    for (const subscription of subscriptions) {
      const subscriptionId = String(subscription._id);
      await deps.queue.add(
        { subscriptionId, eventKey: row.key },
        {
          jobId: `${subscriptionId}|${row.key}`,
          attempts: deps.retry.attempts,
          backoff: { type: 'exponential', delay: deps.retry.baseDelayMs },
          removeOnComplete: 1000,
          removeOnFail: 5000,
        },
      );
    }
    await Outbox.updateOne({ _id: row._id, fannedOutAt: null }, { $set: { fannedOutAt: deps.clock.now() } });
  }

  /** Records an event (once per key) and queues its deliveries. */
  async function record(event: WebhookEvent): Promise<void> {
    const data =
      event.type === 'message.created' && typeof event.data.messageId === 'string'
        ? ((await deps.describeMessage(event.data.messageId)) ?? event.data)
        : event.data;
    const row = await Outbox.findOneAndUpdate(
      { key: event.key },
      {
        $setOnInsert: {
          key: event.key,
          type: event.type,
          occurredAt: event.occurredAt,
          data,
          fannedOutAt: null,
          createdAt: deps.clock.now(),
        },
      },
      { upsert: true, returnDocument: 'after' },
    ).lean<OutboxRecord>();
    if (row) await fanOut(row);
  }

  /** Recovers what a crash lost: outbox rows for recent messages, and rows never fanned out. */
  async function sweep(windowMs = 30 * 60_000): Promise<{ recovered: number; fannedOut: number }> {
    const now = deps.clock.now();
    let recovered = 0;
    const recent = await deps.listRecentMessages({
      since: new Date(now.getTime() - windowMs),
      until: now,
      limit: 5000,
    });
    for (const message of recent) {
      const key = `message.created:${message.messageId}`;
      if (await Outbox.exists({ key })) continue;
      await record({
        key,
        type: 'message.created',
        occurredAt: message.createdAt,
        data: { messageId: message.messageId, conversationId: message.conversationId },
      });
      recovered += 1;
    }
    const pending = await Outbox.find({ fannedOutAt: null })
      .sort({ createdAt: 1 })
      .limit(1000)
      .lean<OutboxRecord[]>();
    for (const row of pending) await fanOut(row);
    if (recovered > 0) deps.logger.info({ recovered }, 'webhook events recovered by the sweep');
    return { recovered, fannedOut: pending.length };
  }

  return { record, sweep };
}
export type WebhookOutbox = ReturnType<typeof createWebhookOutbox>;
