import { chmod, mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import { startEmbeddedMongo } from '../embedded-mongo';
import type { Logger } from '../lib/logger';
import { startEngineProcess } from './engine-process';
import { watchServerMonitors } from './mongo-monitor-watchdog';

export interface MongoTarget {
  uri: string;
  /** Stops the embedded engine when the hub started one; a no-op for an external MongoDB. */
  stop(): Promise<void>;
}

/**
 * Where the hub's MongoDB is: the configured `MONGODB_URI`, or the project's embedded engine with its
 * data under `DATA_DIR/mongo` (see docs in server/embedded-mongo). The engine has no authentication, so it
 * listens on a Unix socket in an owner-only directory (`DATA_DIR/run`), never on TCP: another local user
 * cannot read password hashes or make itself admin.
 *
 * By default the engine runs as its own process, supervised by this one (./engine-process.ts), so it
 * does not share the hub's event loop; `engine: 'inline'` runs it inside this process instead.
 */
export async function resolveMongoTarget(options: {
  uri: string | undefined;
  dataDir: string;
  durability: 'journaled' | 'relaxed' | 'memory';
  logger: Logger;
  engine?: 'process' | 'inline';
  /** The engine process is gone for good (see startEngineProcess). */
  onFatal?: (error: Error) => void;
}): Promise<MongoTarget> {
  if (options.uri) return { uri: options.uri, stop: () => Promise.resolve() };
  const socketPath = await privateSocketPath(options.dataDir, 'mongo.sock');
  const dataDir = path.join(options.dataDir, 'mongo');
  const logger = options.logger.child({ component: 'embedded-mongo' });
  const engine =
    options.engine === 'inline'
      ? await startEmbeddedMongo({ port: 0, socketPath, dataDir, durability: options.durability, logger })
      : await startEngineProcess({
          socketPath,
          dataDir,
          durability: options.durability,
          logger,
          ...(options.onFatal ? { onFatal: options.onFatal } : {}),
        });
  options.logger.info(
    { uri: engine.uri, process: options.engine ?? 'process' },
    'embedded MongoDB engine started',
  );
  return { uri: engine.uri, stop: () => engine.stop() };
}

/** Longest Unix socket path Linux accepts (sun_path is 108 bytes with its terminating NUL). */
const MAX_SOCKET_PATH = 107;

/**
 * A socket path in an owner-only (0700) directory: `DATA_DIR/run/<name>`, or a fresh private directory
 * under the system temp dir when DATA_DIR is too deep for a socket path.
 */
export async function privateSocketPath(dataDir: string, name: string): Promise<string> {
  let dir = path.join(dataDir, 'run');
  if (Buffer.byteLength(path.join(dir, name)) > MAX_SOCKET_PATH)
    dir = await mkdtemp(path.join(os.tmpdir(), 'omnihub-'));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir keeps an existing directory's mode (and the umask applies to a new one): set it explicitly.
  await chmod(dir, 0o700);
  return path.join(dir, name);
}

/**
 * Opens the hub's mongoose connection. Filters are sanitized (`$`-keys in user input become literal
 * values) and unknown query paths are dropped, so `{"$gt": ""}`-style input cannot become a query operator.
 */
export async function connectMongoose(options: {
  uri: string;
  dbName: string;
  logger?: Logger;
}): Promise<Connection> {
  mongoose.set('strictQuery', true);
  mongoose.set('sanitizeFilter', true);
  const connection = mongoose.createConnection(options.uri, {
    dbName: options.dbName,
    serverSelectionTimeoutMS: 10_000,
    connectTimeoutMS: CONNECT_TIMEOUT_MS,
    heartbeatFrequencyMS: HEARTBEAT_FREQUENCY_MS,
    autoIndex: true,
  });
  await connection.asPromise();
  // The driver's monitor can get stuck for good after a connection reset (see ./mongo-monitor-watchdog).
  const watchdog = watchServerMonitors(connection.getClient(), {
    stallMs: CONNECT_TIMEOUT_MS + 5_000,
    awaitedStallMs: CONNECT_TIMEOUT_MS + HEARTBEAT_FREQUENCY_MS + 5_000,
    ...(options.logger ? { logger: options.logger.child({ component: 'mongodb' }) } : {}),
  });
  connection.once('close', () => watchdog.stop());
  return connection;
}

/** The driver's connect timeout, also the socket timeout of each server check. */
const CONNECT_TIMEOUT_MS = 10_000;
const HEARTBEAT_FREQUENCY_MS = 10_000;
