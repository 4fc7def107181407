/**
 * The embedded MongoDB-wire engine: a server that unmodified mongoose and the official `mongodb` driver
 * use as they would a standalone mongod. See docs/embedded-mongo.md. This file is the public surface;
 * it imports nothing from the rest of the application.
 *
 * @example
 *   const engine = await startEmbeddedMongo({ port: 0, dataDir: './data/db' });
 *   await mongoose.connect(engine.uri + 'omnihub');
 *   ...
 *   await mongoose.disconnect();
 *   await engine.stop();
 */
import { Engine } from './engine';
import { EngineCore } from './engine-core';
import { Persistence, type PersistenceLogger } from './persistence/persistence';
import type { DurabilityMode } from './storage/durable-store.types';
import { startTtlMonitor } from './ttl/ttl-monitor';
import { listenWire } from './wire/wire-server';

export type { DurabilityMode } from './storage/durable-store.types';

export interface EmbeddedMongoOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1 (never expose the engine: it has no authentication). */
  host?: string;
  /**
   * Listen on this Unix socket instead of TCP (made 0600; put it in a 0700 directory): other local users
   * cannot connect. The URI is then `mongodb://<percent-encoded path>/`, which the driver understands.
   */
  socketPath?: string;
  /** Data directory; required unless durability is 'memory'. */
  dataDir?: string;
  /** Default 'journaled': every acknowledged write is fdatasync'ed (group commit). */
  durability?: DurabilityMode;
  logger?: PersistenceLogger;
  /** TTL monitor period; default 60 s like mongod (tests shorten it). */
  ttlMonitorIntervalMs?: number;
  /** Journal size that triggers a snapshot + new journal; default 64 MiB. */
  compactThresholdBytes?: number;
  /** Idle time after which an abandoned cursor is dropped; default 10 minutes like mongod. */
  cursorIdleTimeoutMs?: number;
  /**
   * Run the aggregation stages reports use ($match, $group, $project, $sort, $limit...) natively on stored
   * documents; default true. false sends every stage through mingo (tests compare both paths).
   */
  nativeAggregation?: boolean;
}

export interface EmbeddedMongo {
  /** `mongodb://host:port/` or `mongodb://%2Fpath%2Fmongo.sock/` (append a database name). */
  uri: string;
  port: number;
  /** Stops listening, drops connections, flushes and closes the store. */
  stop(): Promise<void>;
}

const silentLogger: PersistenceLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Starts the engine: recovers the data directory (unless in memory mode), then listens. */
export async function startEmbeddedMongo(opts: EmbeddedMongoOptions = {}): Promise<EmbeddedMongo> {
  const durability = opts.durability ?? 'journaled';
  const host = opts.host ?? '127.0.0.1';
  const logger = opts.logger ?? silentLogger;
  if (durability !== 'memory' && !opts.dataDir) {
    throw new Error(
      `embedded-mongo: durability '${durability}' needs a dataDir (or use durability 'memory')`,
    );
  }
  const core = new EngineCore(
    {
      host,
      port: opts.port ?? 0,
      dataDir: opts.dataDir,
      durability,
      nativeAggregation: opts.nativeAggregation ?? true,
    },
    opts.cursorIdleTimeoutMs,
  );
  const persistence =
    durability === 'memory' || !opts.dataDir
      ? undefined
      : await Persistence.open({
          dir: opts.dataDir,
          mode: durability,
          catalog: core.catalog,
          logger,
          compactThreshold: opts.compactThresholdBytes,
        });
  const engine = new Engine(core, persistence, logger);
  let wire;
  try {
    wire = await listenWire({
      host,
      port: opts.port ?? 0,
      ...(opts.socketPath ? { path: opts.socketPath } : {}),
      handler: engine.handle,
      logger,
    });
  } catch (err) {
    core.cursors.close();
    await persistence?.close();
    throw err;
  }
  core.settings.port = wire.port;
  core.connectionStats = () => wire.stats();
  const ttl = startTtlMonitor({
    catalog: core.catalog,
    intervalMs: opts.ttlMonitorIntervalMs ?? 60_000,
    runWrite: (fn) => engine.runWrite(fn),
    onError: (err) => logger.error('embedded-mongo: TTL pass failed', err),
  });
  const hostPart = host.includes(':') ? `[${host}]` : host;
  let stopping: Promise<void> | undefined;
  return {
    uri: opts.socketPath
      ? `mongodb://${encodeURIComponent(opts.socketPath)}/`
      : `mongodb://${hostPart}:${wire.port}/`,
    port: wire.port,
    stop: () =>
      (stopping ??= (async () => {
        ttl.stop();
        await wire.close();
        core.cursors.close();
        await persistence?.close();
      })()),
  };
}
