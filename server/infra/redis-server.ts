import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from '../lib/logger';
import { findFreePort } from './free-port';

export interface PrivateRedis {
  /** `redis://:<password>@127.0.0.1:<port>`: the password is generated at every start. */
  url: string;
  port: number;
  /** Stops the server (it writes its append-only file first) and waits for the process to exit. */
  stop(): Promise<void>;
}

export class RedisBinaryMissingError extends Error {
  override name = 'RedisBinaryMissingError';
}

const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;

/**
 * Starts a private `redis-server` child on a free loopback port, its data in `dataDir` with the append-only
 * file on and eviction off (bull's jobs must never be evicted or lost on restart).
 *
 * Loopback is not private: any local process could otherwise read sessions and queue payloads or write
 * jobs. The server requires a password generated at every start, handed over on its stdin (`redis-server -`
 * reads its config there), never on the command line, which every local user can read in /proc.
 */
export async function startPrivateRedis(options: {
  dataDir: string;
  binary: string;
  logger: Logger;
}): Promise<PrivateRedis> {
  await mkdir(options.dataDir, { recursive: true });
  const pidFile = path.join(options.dataDir, 'redis.pid');
  await stopLeftoverServer(pidFile, options.logger);
  const port = await findFreePort();
  const password = randomBytes(24).toString('hex');
  const child = spawn(
    options.binary,
    [
      '-',
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      options.dataDir,
      '--pidfile',
      pidFile,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--maxmemory-policy',
      'noeviction',
      '--save',
      '',
      '--protected-mode',
      'yes',
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(`requirepass ${password}\n`);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));

  await waitUntilReady(child, { port, password }, () => output, options.binary);
  options.logger.info({ port, dataDir: options.dataDir }, 'private redis-server started (password required)');
  return {
    url: `redis://:${password}@127.0.0.1:${port}`,
    port,
    stop: () => stopChild(child),
  };
}

async function waitUntilReady(
  child: ChildProcess,
  target: { port: number; password: string },
  output: () => string,
  binary: string,
): Promise<void> {
  const exited = new Promise<never>((_resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        reject(
          new RedisBinaryMissingError(
            `No "${binary}" found on PATH. Install it (Debian/Ubuntu: apt-get install redis-server, ` +
              'or run scripts/ensure-system-deps.sh as root), or set REDIS_URL to an existing Redis.',
          ),
        );
      } else reject(error);
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}: ${output()}`)));
  });
  exited.catch(() => undefined);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const ready = await Promise.race([ping(target), exited]);
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not become ready within ${START_TIMEOUT_MS} ms: ${output()}`);
}

async function ping({ port, password }: { port: number; password: string }): Promise<boolean> {
  const client = new Redis({
    port,
    password,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * A hub killed with SIGKILL cannot stop its redis-server; the next start finds it by its pid file and
 * stops it, so the data directory is never served by two servers and no orphan lives on.
 */
async function stopLeftoverServer(pidFile: string, logger: Logger): Promise<void> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) return;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes('redis-server')) return;
  logger.warn({ pid }, 'stopping a leftover private redis-server from an earlier run');
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  process.kill(pid, 'SIGKILL');
}
