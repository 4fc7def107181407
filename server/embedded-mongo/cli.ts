/**
 * `npm run db -- --port 27017 --data ./data/db [--durability journaled|relaxed|memory] [--host 127.0.0.1]`
 * or `npm run db -- --socket ./data/run/mongo.sock --data ./data/db`.
 * Runs the embedded engine as its own process (several hub processes on one machine sharing one store).
 * `--socket` listens on a Unix socket (0600, in a directory made 0700) instead of TCP, so only this user's
 * processes can connect: the engine has no authentication. Prints the URI (for MONGODB_URI), stops cleanly
 * on SIGINT/SIGTERM (flushing the journal and releasing the lock).
 *
 * Started by the hub's launcher (server/infra/engine-process.ts) over an IPC channel, it reports
 * `{type: 'ready', uri}` on that channel once listening, and stops the same clean way when the channel
 * closes (the hub exited, however abruptly): no orphaned engine holding the data directory's lock.
 */
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startEmbeddedMongo, type DurabilityMode } from './index';

const USAGE =
  'usage: npm run db -- (--port <port> [--host <host>] | --socket <path>) --data <dir> [--durability journaled|relaxed|memory]';
const MODES: readonly DurabilityMode[] = ['journaled', 'relaxed', 'memory'];

function fail(message: string): never {
  console.error(`embedded-mongo: ${message}\n${USAGE}`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values: {
    port?: string;
    data?: string;
    durability?: string;
    host?: string;
    socket?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        data: { type: 'string' },
        durability: { type: 'string' },
        host: { type: 'string' },
        socket: { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = values.port === undefined ? 27017 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`invalid --port ${values.port}`);
  const durability = (values.durability ?? 'journaled') as DurabilityMode;
  if (!MODES.includes(durability)) fail(`invalid --durability ${values.durability}`);
  if (durability !== 'memory' && !values.data) fail('--data <dir> is required unless --durability memory');
  const logger = {
    info: (...a: unknown[]) => console.log(...a),
    warn: (...a: unknown[]) => console.warn(...a),
    error: (...a: unknown[]) => console.error(...a),
  };
  const socketPath = values.socket ? path.resolve(values.socket) : undefined;
  if (socketPath) {
    await mkdir(path.dirname(socketPath), { recursive: true, mode: 0o700 });
    await chmod(path.dirname(socketPath), 0o700);
  }
  const engine = await startEmbeddedMongo({
    port,
    host: values.host,
    ...(socketPath ? { socketPath } : {}),
    dataDir: values.data,
    durability,
    logger,
  });
  console.log(
    `embedded-mongo listening on ${engine.uri} (durability: ${durability}${values.data ? `, data: ${values.data}` : ''})`,
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`embedded-mongo: ${signal} received, stopping`);
    engine.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('embedded-mongo: stop failed', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  if (process.send) {
    process.once('disconnect', () => stop('launcher gone'));
    process.send({ type: 'ready', uri: engine.uri });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
