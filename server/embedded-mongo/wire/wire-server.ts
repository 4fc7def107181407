/**
 * The TCP listener: accepts sockets, wraps each in a WireConnection, tracks them so `close` can end
 * them all (a server that waits for idle pooled connections to go away never stops).
 */
import { chmod, lstat, unlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { WireConnection, type RequestHandler, type WireLogger } from './connection';

export interface WireServer {
  readonly port: number;
  readonly host: string;
  /** Live connection count and total ever accepted (serverStatus reports both). */
  stats(): { current: number; totalCreated: number };
  close(): Promise<void>;
}

/**
 * Listens on host:port (port 0 picks a free port), or on the Unix socket `path` when given, and serves the
 * wire protocol. A socket file is made owner-only (0600): with no authentication in the engine, file
 * permissions are what keeps other local users out. A stale socket file (a killed run) is replaced; the
 * caller holds the data directory's lock by then, so no live engine owns it.
 */
export async function listenWire(opts: {
  host: string;
  port: number;
  path?: string;
  handler: RequestHandler;
  logger: WireLogger;
}): Promise<WireServer> {
  const socketPath = opts.path;
  if (socketPath) {
    const existing = await lstat(socketPath).catch(() => null);
    if (existing?.isSocket()) await unlink(socketPath);
  }
  const connections = new Set<WireConnection>();
  let nextId = 1;
  const server: Server = createServer((socket) => {
    const conn = new WireConnection(nextId++, socket, opts.handler, opts.logger);
    connections.add(conn);
    socket.on('close', () => connections.delete(conn));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const listening = () => {
      server.off('error', reject);
      resolve();
    };
    if (socketPath) server.listen(socketPath, listening);
    else server.listen(opts.port, opts.host, listening);
  });
  if (socketPath) await chmod(socketPath, 0o600);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    port,
    host: opts.host,
    stats: () => ({ current: connections.size, totalCreated: nextId - 1 }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const conn of connections) conn.destroy();
        connections.clear();
      }),
  };
}
