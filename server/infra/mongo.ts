import path from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import { startEmbeddedMongo } from '../embedded-mongo';
import type { Logger } from '../lib/logger';

export interface MongoTarget {
  uri: string;
  /** Stops the embedded engine when the hub started one; a no-op for an external MongoDB. */
  stop(): Promise<void>;
}

/**
 * Where the hub's MongoDB is: the configured `MONGODB_URI`, or the project's embedded engine with its
 * data under `DATA_DIR/mongo` (see docs in server/embedded-mongo).
 */
export async function resolveMongoTarget(options: {
  uri: string | undefined;
  dataDir: string;
  durability: 'journaled' | 'relaxed' | 'memory';
  logger: Logger;
}): Promise<MongoTarget> {
  if (options.uri) return { uri: options.uri, stop: () => Promise.resolve() };
  const engine = await startEmbeddedMongo({
    port: 0,
    dataDir: path.join(options.dataDir, 'mongo'),
    durability: options.durability,
    logger: options.logger.child({ component: 'embedded-mongo' }),
  });
  options.logger.info({ uri: engine.uri }, 'embedded MongoDB engine started');
  return { uri: engine.uri, stop: () => engine.stop() };
}

/**
 * Opens the hub's mongoose connection. Filters are sanitized (`$`-keys in user input become literal
 * values) and unknown query paths are dropped, so `{"$gt": ""}`-style input cannot become a query operator.
 */
export async function connectMongoose(options: { uri: string; dbName: string }): Promise<Connection> {
  mongoose.set('strictQuery', true);
  mongoose.set('sanitizeFilter', true);
  const connection = mongoose.createConnection(options.uri, {
    dbName: options.dbName,
    serverSelectionTimeoutMS: 10_000,
    autoIndex: true,
  });
  await connection.asPromise();
  return connection;
}
