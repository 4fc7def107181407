/**
 * Restarts the driver's client when a server monitor is stuck: a heartbeat was started and neither
 * succeeded nor failed within `stallMs` (`awaitedStallMs` for an awaited, streaming check).
 *
 * Why: mongodb 7.8 (also 7.9.1) can wedge a monitor for good. When the peer closes the monitor's idle
 * connection with a FIN (the server restarts, a middlebox or the fault proxy resets every connection) and,
 * in the same turn of the event loop, a pool connection fails with a reset, the pool clear asks the monitor
 * for an immediate check. The monitor's socket is then already destroyed but its `close` event has not run
 * yet, so the driver still sees the connection as open and writes the `hello` to it: the write is dropped
 * without an error, the driver waits for a `drain` that never comes, the socket timeout is gone with the
 * socket, and the check never ends. The server stays `Unknown`, every operation fails server selection and
 * `/readyz` stays 503 until the process restarts (seen in the fault suite's network fault: driver events
 * show a `serverHeartbeatStarted` right after `connectionPoolCleared` and nothing after it, ever).
 *
 * A working monitor always ends a check within connectTimeoutMS (the check's socket timeout), or
 * connectTimeoutMS + heartbeatFrequencyMS for an awaited (streaming) check, so a check older than that is
 * stuck. The cure uses public API only: close the client (which stops its monitors and pools) and connect
 * it again, retrying until the server answers. Mongoose keeps its listeners on the same client and its
 * models keep working once the new topology is up.
 */
import type { MongoClient } from 'mongodb';
import type { Logger } from '../lib/logger';

export interface MonitorWatchdog {
  /** Restarts done so far. */
  readonly restarts: number;
  stop(): void;
}

export function watchServerMonitors(
  client: MongoClient,
  options: {
    /** A heartbeat outstanding this long is stuck (the driver times a check out at connectTimeoutMS). */
    stallMs: number;
    /** The same for an awaited check, which the server may hold for heartbeatFrequencyMS on top. */
    awaitedStallMs: number;
    /** How often to look (default: a fifth of stallMs). */
    checkEveryMs?: number;
    /** Pause between reconnect attempts while the server does not answer (default 1 s). */
    retryMs?: number;
    logger?: Logger;
  },
): MonitorWatchdog {
  const outstanding = new Map<string, { since: number; awaited: boolean }>();
  let stopped = false;
  let restarting = false;
  let restarts = 0;

  const started = (event: { connectionId: string; awaited: boolean }) => {
    outstanding.set(event.connectionId, { since: Date.now(), awaited: event.awaited });
  };
  const ended = (event: { connectionId: string }) => {
    outstanding.delete(event.connectionId);
  };
  client.on('serverHeartbeatStarted', started);
  client.on('serverHeartbeatSucceeded', ended);
  client.on('serverHeartbeatFailed', ended);

  const restart = async (address: string, sinceMs: number) => {
    restarting = true;
    restarts += 1;
    options.logger?.warn(
      { address, heartbeatOutstandingMs: sinceMs },
      'MongoDB server monitor stuck (a heartbeat never ended): reconnecting the driver',
    );
    try {
      await client.close().catch(() => undefined);
      outstanding.clear();
      while (!stopped) {
        try {
          await client.connect();
          break;
        } catch (error) {
          options.logger?.warn({ err: error }, 'MongoDB reconnect failed; retrying');
          await new Promise((resolve) => setTimeout(resolve, options.retryMs ?? 1_000));
        }
      }
      if (stopped) await client.close().catch(() => undefined);
      else options.logger?.info({ address }, 'MongoDB driver reconnected');
    } finally {
      outstanding.clear();
      restarting = false;
    }
  };

  const timer = setInterval(
    () => {
      if (stopped || restarting) return;
      const now = Date.now();
      for (const [address, { since, awaited }] of outstanding) {
        if (now - since >= (awaited ? options.awaitedStallMs : options.stallMs)) {
          void restart(address, now - since);
          return;
        }
      }
    },
    options.checkEveryMs ?? Math.max(100, Math.floor(options.stallMs / 5)),
  );
  timer.unref();

  return {
    get restarts() {
      return restarts;
    },
    stop() {
      stopped = true;
      clearInterval(timer);
      client.off('serverHeartbeatStarted', started);
      client.off('serverHeartbeatSucceeded', ended);
      client.off('serverHeartbeatFailed', ended);
    },
  };
}
