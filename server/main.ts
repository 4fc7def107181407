/**
 * The composition root: load config → start or connect MongoDB and Redis → build the hub → listen →
 * stop cleanly on SIGTERM/SIGINT (no orphaned redis-server or engine).
 */
import path from 'node:path';
import { ConfigError, loadConfig, type Config } from './config';
import { createHub, type Hub } from './hub';
import { resolveMongoTarget, type MongoTarget } from './infra/mongo';
import { startPrivateRedis, type PrivateRedis } from './infra/redis-server';
import { createLogger, type Logger } from './lib/logger';

async function start(config: Config, logger: Logger): Promise<() => Promise<void>> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse())
      await stop().catch((error: unknown) => logger.error({ err: error }, 'stop failed'));
  };
  try {
    const mongo: MongoTarget = await resolveMongoTarget({
      uri: config.MONGODB_URI,
      dataDir: config.DATA_DIR,
      durability: config.EMBEDDED_MONGO_DURABILITY,
      logger,
      // The engine process is gone for good: exit rather than serve without a database.
      onFatal: () => {
        logger.flush();
        process.exit(1);
      },
    });
    stops.push(() => mongo.stop());
    let redisUrl = config.REDIS_URL;
    if (!redisUrl) {
      const redis: PrivateRedis = await startPrivateRedis({
        dataDir: path.join(config.DATA_DIR, 'redis'),
        binary: config.REDIS_SERVER_BIN,
        logger,
      });
      stops.push(() => redis.stop());
      redisUrl = redis.url;
    }
    const hub: Hub = await createHub({ config, logger, infra: { mongoUri: mongo.uri, redisUrl } });
    stops.push(() => hub.close());
    const port = await hub.listen(config.PORT);
    logger.info(
      {
        url: `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port}`,
        publicUrl: config.PUBLIC_URL,
        role: config.HUB_ROLE,
      },
      'Omnihub is listening',
    );
    return stopAll;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  if (config.HUB_ROLE !== 'all' && (config.usesEmbeddedMongo || config.usesPrivateRedis)) {
    // A web or worker process shares its storage with the others: a private engine or redis-server would
    // give each process a database of its own (and the data directory's lock refuses the second one).
    process.stderr.write(
      `HUB_ROLE=${config.HUB_ROLE} needs shared storage: set MONGODB_URI (a replica set, or \`npm run db\` on ` +
        'this machine) and REDIS_URL.\n',
    );
    process.exit(2);
  }
  const logger = createLogger({ level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
  let stop: () => Promise<void>;
  try {
    stop = await start(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, (error as Error).message);
    logger.flush();
    process.exitCode = 1;
    return;
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    stop()
      .then(() => {
        logger.info('stopped');
        logger.flush();
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
