/**
 * Handshake, health and server-description commands. The hello reply is deliberately minimal: no
 * `topologyVersion` (it would switch the driver to streaming monitoring) and no `compression`.
 */
import os from 'node:os';
import { Long, type Document } from 'bson';
import { MAX_WIRE_VERSION, SERVER_VERSION } from '../engine-core';
import type { CommandContext, CommandHandler } from './command-types';

function hello(legacy: boolean): CommandHandler {
  return (_body, ctx) => ({
    helloOk: true,
    ...(legacy ? { ismaster: true } : { isWritablePrimary: true }),
    maxBsonObjectSize: 16 * 1024 * 1024,
    maxMessageSizeBytes: 48_000_000,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: ctx.conn.id,
    minWireVersion: 0,
    maxWireVersion: MAX_WIRE_VERSION,
    readOnly: false,
    ok: 1,
  });
}

function buildInfo(): Document {
  return {
    version: SERVER_VERSION,
    gitVersion: 'omnihub-embedded',
    versionArray: SERVER_VERSION.split('.').map(Number).concat([0]),
    bits: 64,
    debug: false,
    maxBsonObjectSize: 16 * 1024 * 1024,
    storageEngines: ['omnihub-embedded'],
    javascriptEngine: 'none',
    modules: [],
    openssl: { running: 'disabled' },
    ok: 1,
  };
}

function serverStatus(_body: Document, ctx: CommandContext): Document {
  const mem = process.memoryUsage();
  const uptimeMs = Date.now() - ctx.core.startedAt;
  const conns = ctx.core.connectionStats();
  return {
    host: `${os.hostname()}:${ctx.core.settings.port}`,
    version: SERVER_VERSION,
    process: 'mongod',
    pid: Long.fromNumber(process.pid),
    uptime: Math.floor(uptimeMs / 1000),
    uptimeMillis: Long.fromNumber(uptimeMs),
    uptimeEstimate: Long.fromNumber(Math.floor(uptimeMs / 1000)),
    localTime: new Date(),
    connections: {
      current: conns.current,
      available: 1_000_000,
      totalCreated: conns.totalCreated,
      active: conns.current,
    },
    mem: {
      bits: 64,
      resident: Math.round(mem.rss / 1048576),
      virtual: Math.round(mem.rss / 1048576),
      supported: true,
    },
    metrics: {
      cursor: { open: { total: Long.fromNumber(ctx.core.cursors.size) } },
      commands: Object.fromEntries(
        [...ctx.core.commandCounts].map(([name, count]) => [
          name,
          { total: Long.fromNumber(count.total), failed: Long.fromNumber(count.failed) },
        ]),
      ),
    },
    storageEngine: {
      name: 'omnihub-embedded',
      supportsCommittedReads: false,
      persistent: ctx.core.settings.durability !== 'memory',
    },
    ok: 1,
  };
}

function hostInfo(): Document {
  return {
    system: {
      currentTime: new Date(),
      hostname: os.hostname(),
      cpuAddrSize: 64,
      memSizeMB: Long.fromNumber(Math.round(os.totalmem() / 1048576)),
      numCores: os.cpus().length,
      cpuArch: os.arch(),
    },
    os: { type: os.type(), name: os.platform(), version: os.release() },
    extra: {},
    ok: 1,
  };
}

const PARAMETERS: Record<string, unknown> = {
  featureCompatibilityVersion: { version: '7.0' },
  authenticationMechanisms: [],
  transactionLifetimeLimitSeconds: 60,
  cursorTimeoutMillis: Long.fromNumber(600_000),
  maxBSONDepth: 100,
  internalQueryMaxBlockingSortMemoryUsageBytes: 104_857_600,
};

function getParameter(body: Document): Document {
  const all = body.getParameter === '*' || (body.getParameter as { allParameters?: unknown })?.allParameters;
  const out: Document = {};
  for (const [name, value] of Object.entries(PARAMETERS)) {
    if (all || body[name] !== undefined) out[name] = value;
  }
  if (Object.keys(out).length === 0) {
    return { ok: 0, errmsg: 'no option found to get', code: 72, codeName: 'InvalidOptions' };
  }
  return { ...out, ok: 1 };
}

const ok = (): Document => ({ ok: 1 });

/** Handlers of this file by command name. */
export const serverInfoCommands: Record<string, CommandHandler> = {
  hello: hello(false),
  isMaster: hello(true),
  ismaster: hello(true),
  ping: ok,
  buildInfo,
  buildinfo: buildInfo,
  serverStatus,
  hostInfo,
  getParameter,
  endSessions: ok,
  killAllSessions: ok,
  killSessions: ok,
  refreshSessions: ok,
  startSession: (_b, ctx) => ({ id: { id: ctx.conn.id }, timeoutMinutes: 30, ok: 1 }),
  whatsmyuri: (_b, ctx) => ({ you: ctx.conn.remoteAddress, ok: 1 }),
  getCmdLineOpts: (_b, ctx) => ({
    argv: ['omnihub-embedded-mongo'],
    parsed: {
      net: { bindIp: ctx.core.settings.host, port: ctx.core.settings.port },
      storage: { dbPath: ctx.core.settings.dataDir ?? '' },
    },
    ok: 1,
  }),
  getLog: (body, ctx) =>
    body.getLog === '*'
      ? { names: ['global', 'startupWarnings'], ok: 1 }
      : { totalLinesWritten: ctx.core.recentLog.length, log: [...ctx.core.recentLog], ok: 1 },
  connectionStatus: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] }, ok: 1 }),
  getFreeMonitoringStatus: () => ({ state: 'disabled', ok: 1 }),
  logout: ok,
  saslStart: () => ({
    ok: 0,
    errmsg: 'Authentication is not supported by the embedded engine',
    code: 334,
    codeName: 'MechanismUnavailable',
  }),
};
