/**
 * The embedded engine as its own process, started and supervised by the hub (the default mode of
 * `npm start`): the engine's command execution, BSON and journal then run on a core of their own instead
 * of sharing the hub's event loop. The child is `server/embedded-mongo/cli.ts` (the `npm run db` CLI) on
 * the owner-only Unix socket, run by the same Node and loader as the hub.
 *
 * Supervision: the child reports `ready` over an IPC channel; a crash of a durable engine (journaled or
 * relaxed) is followed by a restart, which recovers the data directory, and the driver reconnects to the
 * same socket; a memory-mode engine lost its data with its process, so that is fatal (`onFatal`). When
 * the hub exits, however abruptly, the channel closes and the engine stops cleanly by itself.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../lib/logger';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'embedded-mongo', 'cli.ts');
/** The child runs the TypeScript source as the hub does: through tsx's loader (and the hub's heap limit). */
const EXEC_ARGV = [
  '--import',
  import.meta.resolve('tsx'),
  ...process.execArgv.filter((arg) => arg.startsWith('--max-old-space-size')),
];
/** Recovery of a large journal takes a while: the first start may wait this long for `ready`. */
const READY_TIMEOUT_MS = 300_000;
/** Restarts allowed within RESTART_WINDOW_MS before the supervisor gives up (a crash loop). */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

export interface EngineProcessOptions {
  socketPath: string;
  /** The engine's data directory (DATA_DIR/mongo); unused in memory mode. */
  dataDir: string;
  durability: 'journaled' | 'relaxed' | 'memory';
  logger: Logger;
  /** The engine is gone for good (memory mode crashed, or a crash loop): the hub should exit. */
  onFatal?: (error: Error) => void;
}

export interface EngineProcess {
  uri: string;
  /** The child's pid (tests stop it to check the supervision). */
  pid(): number | undefined;
  /** Resolves once the engine (started again after a crash) answers `ready`. */
  ready(): Promise<void>;
  /** Stops the engine (SIGTERM: it flushes the journal and releases the lock) and waits for its exit. */
  stop(): Promise<void>;
}

/** Starts the engine process and resolves once it listens. */
export async function startEngineProcess(options: EngineProcessOptions): Promise<EngineProcess> {
  const { logger } = options;
  const args = ['--socket', options.socketPath, '--durability', options.durability];
  if (options.durability !== 'memory') args.push('--data', options.dataDir);
  let child: ChildProcess | undefined;
  let stopping = false;
  let uri = '';
  let restarts: number[] = [];
  let readyPromise: Promise<void>;

  const spawnOnce = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const started = fork(CLI, args, {
        execArgv: EXEC_ARGV,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        serialization: 'json',
      });
      child = started;
      const stderrTail: string[] = [];
      createInterface({ input: started.stdout! }).on('line', (line) =>
        logger.info({ component: 'embedded-mongo', pid: started.pid }, line),
      );
      createInterface({ input: started.stderr! }).on('line', (line) => {
        stderrTail.push(line);
        if (stderrTail.length > 20) stderrTail.shift();
        logger.warn({ component: 'embedded-mongo', pid: started.pid }, line);
      });
      let isReady = false;
      const timer = setTimeout(() => {
        started.kill('SIGKILL');
        reject(new Error(`embedded engine did not start within ${READY_TIMEOUT_MS} ms`));
      }, READY_TIMEOUT_MS);
      started.on('message', (message: { type?: string; uri?: string }) => {
        if (message?.type !== 'ready' || !message.uri) return;
        isReady = true;
        clearTimeout(timer);
        uri = message.uri;
        resolve();
      });
      started.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (!isReady) {
          reject(
            new Error(
              `embedded engine exited before it was ready (code ${code}, signal ${signal}): ${stderrTail.join(' | ')}`,
            ),
          );
          return;
        }
        if (stopping || child !== started) return;
        onCrash(code, signal);
      });
    });

  const onCrash = (code: number | null, signal: NodeJS.Signals | null) => {
    const fatal = (message: string) => {
      logger.fatal({ code, signal }, message);
      options.onFatal?.(new Error(message));
    };
    if (options.durability === 'memory')
      return fatal('the embedded engine (memory mode) exited: its data is gone');
    const now = Date.now();
    restarts = [...restarts.filter((at) => now - at < RESTART_WINDOW_MS), now];
    if (restarts.length > MAX_RESTARTS)
      return fatal(`the embedded engine exited ${MAX_RESTARTS + 1} times within a minute; giving up`);
    logger.error(
      { code, signal },
      'the embedded engine exited; restarting it (recovering the data directory)',
    );
    readyPromise = spawnOnce();
    readyPromise.catch((error: unknown) => fatal(`the embedded engine could not restart: ${String(error)}`));
  };

  readyPromise = spawnOnce();
  await readyPromise;
  return {
    get uri() {
      return uri;
    },
    pid: () => child?.pid,
    ready: () => readyPromise,
    async stop() {
      stopping = true;
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          logger.error('the embedded engine did not stop in time; killing it');
          running.kill('SIGKILL');
        }, STOP_TIMEOUT_MS);
        running.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        running.kill('SIGTERM');
      });
    },
  };
}
