/**
 * A TCP proxy a test (or the fault suite) puts between a client and a server, and then breaks on purpose:
 * - `cut(ms)`: a partition — every open connection is destroyed and new ones are refused until it ends;
 * - `reset()`: every open connection is destroyed once (a peer or middlebox reset), new ones work;
 * - `setLatency(ms)`: each chunk is delayed by `ms` in both directions (order kept).
 * The target is a TCP port on loopback or a Unix socket path (the embedded engine's).
 */
import net from 'node:net';

export interface TcpProxy {
  port: number;
  url: string;
  /** Drops every connection and refuses new ones for `ms`; resolves when the network is back. */
  cut(ms: number): Promise<void>;
  /** Destroys every open connection once; new connections go through. */
  reset(): void;
  /** Delays every chunk by `ms` from now on (0: none). */
  setLatency(ms: number): void;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

export type ProxyTarget = number | { path: string };

/**
 * Forwards chunks from `from` to `to`, each `delay()` ms after it arrived (a longer path, not a thinner
 * one: chunks are not held back behind each other), never reordered when the latency changes.
 */
function forward(from: net.Socket, to: net.Socket, delay: () => number): void {
  let lastDue = 0;
  let pending = 0;
  let ended = false;
  from.on('data', (chunk: Buffer) => {
    const ms = delay();
    if (ms <= 0 && pending === 0) {
      to.write(chunk);
      return;
    }
    const due = Math.max(Date.now() + ms, lastDue);
    lastDue = due;
    pending += 1;
    setTimeout(() => {
      pending -= 1;
      if (!to.destroyed) to.write(chunk);
      if (ended && pending === 0) to.end();
    }, due - Date.now());
  });
  from.on('end', () => {
    ended = true;
    if (pending === 0) to.end();
  });
}

export async function startTcpProxy(target: ProxyTarget): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let down = false;
  let latencyMs = 0;
  let connections = 0;
  const server = net.createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    connections += 1;
    const upstream = typeof target === 'number' ? net.connect(target, '127.0.0.1') : net.connect(target.path);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => undefined);
    }
    forward(client, upstream, () => latencyMs);
    forward(upstream, client, () => latencyMs);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const destroyAll = () => {
    for (const socket of open) socket.destroy();
  };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    async cut(ms) {
      down = true;
      destroyAll();
      await new Promise((resolve) => setTimeout(resolve, ms));
      down = false;
    },
    reset: destroyAll,
    setLatency(ms) {
      latencyMs = ms;
    },
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        destroyAll();
        server.close(() => resolve());
      }),
  };
}
