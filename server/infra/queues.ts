import Bull, { type Job, type JobOptions, type Queue } from 'bull';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../lib/logger';
import type { Metrics } from '../lib/metrics';

/**
 * A job failure that retrying cannot fix (an invalid phone number, a rejected template). The job fails at
 * once instead of using its remaining attempts.
 */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

export const DEFAULT_JOB_OPTIONS: JobOptions = {
  attempts: 6,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: 1_000,
  removeOnFail: 5_000,
};

export interface QueueFactory {
  /** The named queue, created once. */
  queue<T = unknown>(name: string): Queue<T>;
  /** Registers the processor of a named queue (this process becomes one of its workers). */
  process<T>(
    name: string,
    options: { concurrency?: number },
    handler: (job: Job<T>) => Promise<unknown>,
  ): void;
  /** Stops taking jobs, waits for active ones, closes every queue and its connections. */
  close(): Promise<void>;
}

/**
 * Bull queues sharing two Redis connections (commands and subscriptions) across all queues; bull opens its
 * blocking connections itself. `prefix` isolates deployments and tests sharing one Redis.
 */
export function createQueueFactory(options: {
  redisUrl: string;
  prefix: string;
  logger: Logger;
  metrics: Metrics;
}): QueueFactory {
  const queues = new Map<string, Queue>();
  const shared: Redis[] = [];
  const connectionOptions: RedisOptions = { maxRetriesPerRequest: null, enableReadyCheck: false };
  let client: Redis | undefined;
  let subscriber: Redis | undefined;
  const createClient = (type: 'client' | 'subscriber' | 'bclient'): Redis => {
    const make = () => {
      const redis = new Redis(options.redisUrl, connectionOptions);
      // Every bull queue adds its own listeners to the shared clients.
      redis.setMaxListeners(100);
      redis.on('error', (error) => options.logger.warn({ err: error, type }, 'queue redis connection error'));
      return redis;
    };
    if (type === 'client') return (client ??= (() => (shared.push(make()), shared.at(-1)!))());
    if (type === 'subscriber') return (subscriber ??= (() => (shared.push(make()), shared.at(-1)!))());
    return make();
  };

  const factory: QueueFactory = {
    queue<T>(name: string): Queue<T> {
      let queue = queues.get(name);
      if (!queue) {
        queue = new Bull(name, {
          prefix: options.prefix,
          createClient,
          defaultJobOptions: DEFAULT_JOB_OPTIONS,
        });
        queue.on('error', (error) => options.logger.error({ err: error, queue: name }, 'queue error'));
        queue.on('completed', () => options.metrics.queueJobs.inc({ queue: name, outcome: 'completed' }));
        queue.on('failed', (job) => {
          const exhausted = job.attemptsMade >= (job.opts.attempts ?? 1) || job.finishedOn !== undefined;
          options.metrics.queueJobs.inc({ queue: name, outcome: exhausted ? 'failed' : 'retried' });
        });
        queues.set(name, queue);
      }
      return queue as Queue<T>;
    },
    process<T>(
      name: string,
      processOptions: { concurrency?: number },
      handler: (job: Job<T>) => Promise<unknown>,
    ) {
      factory
        .queue<T>(name)
        .process(processOptions.concurrency ?? 1, async (job: Job<T>) => {
          try {
            return await handler(job);
          } catch (error) {
            if (error instanceof PermanentJobError) await job.discard();
            throw error;
          }
        })
        .catch((error: unknown) => options.logger.error({ err: error, queue: name }, 'queue worker stopped'));
    },
    async close() {
      await Promise.all([...queues.values()].map((queue) => queue.close()));
      queues.clear();
      shared.forEach((redis) => redis.disconnect());
    },
  };
  return factory;
}
