/**
 * Real parts for integration tests: one private redis-server and one embedded MongoDB engine (memory
 * mode) per mocha process, started on first use and stopped when the process ends. Each test hub gets its
 * own database name and queue prefix, so tests never see each other's data. With MONGODB_URI set, the
 * suite runs against that MongoDB instead of the embedded engine.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../server/config';
import { startEmbeddedMongo } from '../../server/embedded-mongo';
import { createHub, type Hub, type HubOptions } from '../../server/hub';
import { startPrivateRedis, type PrivateRedis } from '../../server/infra/redis-server';
import { registerGlobalTeardown } from './root-hooks';
import { testLogger } from './test-logger';

interface Stack {
  mongoUri: string;
  redisUrl: string;
  tmpDir: string;
}

let stack: Promise<Stack> | undefined;
const stops: (() => Promise<void>)[] = [];

export { testLogger };

/** Starts (once) and returns the shared test infrastructure. */
export function getTestStack(): Promise<Stack> {
  stack ??= (async () => {
    registerGlobalTeardown(stopTestStack);
    const tmpDir = await mkdtemp(path.join(os.tmpdir(), 'omnihub-test-'));
    stops.push(() => rm(tmpDir, { recursive: true, force: true }));
    let mongoUri = process.env.MONGODB_URI;
    if (!mongoUri) {
      const engine = await startEmbeddedMongo({ port: 0, durability: 'memory' });
      stops.push(() => engine.stop());
      mongoUri = engine.uri;
    }
    let redisUrl = process.env.REDIS_URL;
    if (!redisUrl) {
      const redis: PrivateRedis = await startPrivateRedis({
        dataDir: path.join(tmpDir, 'redis'),
        binary: 'redis-server',
        logger: testLogger,
      });
      stops.push(() => redis.stop());
      redisUrl = redis.url;
    }
    return { mongoUri, redisUrl, tmpDir };
  })();
  return stack;
}

/** A unique suffix for database names, queue prefixes and the like. */
export function uniqueId(): string {
  return randomBytes(5).toString('hex');
}

/** A configuration for one test hub: its own database and queue prefix, no demo seed. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  const id = uniqueId();
  return loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    DATA_DIR: path.join(os.tmpdir(), `omnihub-test-data-${id}`),
    PUBLIC_URL: 'http://hub.test',
    MONGODB_DB: `test_${id}`,
    QUEUE_PREFIX: `test-${id}`,
    SEED_DEMO: '0',
    LOG_LEVEL: 'silent',
    ...overrides,
  });
}

export interface RunningTestHub {
  hub: Hub;
  /** `http://127.0.0.1:PORT` */
  baseUrl: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Builds a whole hub on the shared test infrastructure and listens on a free port. Its database is dropped
 * on close.
 */
export async function startTestHub(
  options: { config?: Config; configOverrides?: Record<string, string> } & Partial<
    Omit<HubOptions, 'config' | 'infra'>
  > = {},
): Promise<RunningTestHub> {
  const { mongoUri, redisUrl } = await getTestStack();
  const config = options.config ?? testConfig(options.configOverrides);
  const hub = await createHub({
    ...options,
    config,
    logger: options.logger ?? testLogger,
    infra: { mongoUri, redisUrl },
  });
  const port = await hub.listen(0, '127.0.0.1');
  return {
    hub,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    async close() {
      await hub.connection.dropDatabase().catch(() => undefined);
      await hub.close();
    },
  };
}

/** Stops the shared infrastructure; runs from the mocha root hook after all suites. */
export async function stopTestStack(): Promise<void> {
  for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  stack = undefined;
}
