import assert from 'node:assert/strict';
import type net from 'node:net';
import type { MongoClient } from 'mongodb';
import { Schema } from 'mongoose';
import { startTestHub, type RunningTestHub } from '../support/test-stack';

interface DriverConnection {
  socket: net.Socket;
  closed: boolean;
}
interface DriverServer {
  monitor?: { connection: DriverConnection | null; requestCheck(): void };
  pool: { checkedOut: Set<DriverConnection> };
}

/** The driver's one server (the hub's engine is a standalone): reached only to time the fault. */
function driverServer(client: MongoClient): DriverServer {
  const topology = (client as unknown as { topology?: { s: { servers: Map<string, DriverServer> } } })
    .topology;
  const server = [...(topology?.s.servers.values() ?? [])][0];
  if (!server?.monitor || !(server.pool.checkedOut instanceof Set))
    throw new Error('driver internals changed: cannot reach the server monitor and pool');
  return server;
}

/**
 * The fault behind the fault suite's network fault (server/infra/mongo-monitor-watchdog.ts), in the order
 * the fault proxy produces it under load now and then: pool connections in use are closed under running
 * operations, the operation's network error marks the server Unknown and clears the pool; at that moment
 * the monitor's idle connection has had its FIN handled (socket destroyed) but not yet its `close` event,
 * and the monitor is asked for an immediate check. From there on it is the driver's own code path: the
 * check writes to the dead socket and never ends.
 */
function breakConnectionsLikeAReset(client: MongoClient): void {
  const server = driverServer(client);
  client.once('connectionPoolCleared', () => {
    const monitorConnection = server.monitor?.connection;
    if (monitorConnection && !monitorConnection.closed) monitorConnection.socket.destroy();
    server.monitor?.requestCheck();
  });
  for (const connection of server.pool.checkedOut) connection.socket.destroy();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('MongoDB: the driver reconnects when its server monitor is stuck after a reset', function () {
  this.timeout(120_000);
  let running: RunningTestHub;

  before(async () => {
    running = await startTestHub();
  });
  after(() => running.close());

  const readyz = async () =>
    (await fetch(`${running.baseUrl}/readyz`, { signal: AbortSignal.timeout(5_000) })).status;

  it('/readyz and writes recover (they stayed down until a restart before)', async () => {
    assert.equal(await readyz(), 200);
    const Probe = running.hub.connection.model('MonitorProbe', new Schema({ n: Number }));
    const client = running.hub.connection.getClient();
    let writing = true;
    let written = 0;
    const writers = Array.from({ length: 8 }, async () => {
      while (writing) {
        await Probe.create({ n: written })
          .then(() => (written += 1))
          .catch(() => sleep(100));
      }
    });
    try {
      // A check right after the previous one is debounced (minHeartbeatFrequencyMS): wait past it.
      await sleep(1_000);
      while (driverServer(client).pool.checkedOut.size === 0) await new Promise(setImmediate);
      breakConnectionsLikeAReset(client);
      await sleep(3_000);
      assert.equal(await readyz(), 503, 'the fault took: MongoDB is down for the hub');
      const deadline = Date.now() + 90_000;
      let status = 503;
      while (status !== 200 && Date.now() < deadline) {
        await sleep(500);
        status = await readyz().catch(() => 0);
      }
      assert.equal(status, 200, '/readyz recovers');
      const before = written;
      await Probe.create({ n: -1 });
      while (written <= before && Date.now() < deadline) await sleep(100);
      assert.ok(written > before, 'the running writers write again');
    } finally {
      writing = false;
      await Promise.all(writers);
    }
  });
});
