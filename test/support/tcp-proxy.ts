/**
 * A TCP proxy a test (or the fault suite) puts between a client and a server, and then breaks on purpose:
 * - `cut(ms)`: the far side is down — every open connection is destroyed and new ones are refused until it
 *   ends;
 * - `blackhole(ms)`: a partition as a network makes one — packets are dropped: nothing is read or forwarded
 *   on open connections, new ones are accepted and held, no FIN or RST is sent; when it ends, what was
 *   held flows again (as TCP's retransmissions would deliver it) unless an end gave up meanwhile;
 * - `reset()`: every open connection is reset once (RST, as a peer or middlebox resets), new ones work;
 * - `setLatency(ms)`: each chunk is delayed by `ms` in both directions (order kept).
 * The target is a TCP port on loopback or a Unix socket path (the embedded engine's).
 */
import net from 'node:net';

export interface TcpProxy {
  port: number;
  url: string;
  /** Drops every connection and refuses new ones for `ms`; resolves when the network is back. */
  cut(ms: number): Promise<void>;
  /** Drops all traffic for `ms` without closing anything; resolves when the network is back. */
  blackhole(ms: number): Promise<void>;
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
  let holding = false;
  /** Connections accepted during a black hole: connected upstream when it ends. */
  const held: (() => void)[] = [];
  const server = net.createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    if (holding) {
      client.pause();
      client.on('error', () => undefined);
      open.add(client);
      client.on('close', () => open.delete(client));
      held.push(() => {
        open.delete(client);
        if (!client.destroyed) accept(client);
      });
      return;
    }
    accept(client);
  });
  const accept = (client: net.Socket) => {
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
    if (client.isPaused()) client.resume();
  };
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
    async blackhole(ms) {
      holding = true;
      const paused = [...open];
      for (const socket of paused) socket.pause();
      await new Promise((resolve) => setTimeout(resolve, ms));
      holding = false;
      for (const socket of paused) if (!socket.destroyed) socket.resume();
      for (const connect of held.splice(0)) connect();
    },
    reset() {
      for (const socket of open) {
        // RST where TCP has one; the Unix socket to the engine is just closed.
        try {
          socket.resetAndDestroy();
        } catch {
          socket.destroy();
        }
      }
    },
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
