/**
 * The embedded engine as its own process (the default of `npm start`): started and supervised by the
 * hub's launcher on the owner-only socket, restarted after a crash with its journaled data, fatal in
 * memory mode, and gone when the hub process dies without cleaning up.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { startEngineProcess, type EngineProcess } from '../../server/infra/engine-process';
import { privateSocketPath } from '../../server/infra/mongo';
import { testLogger } from '../support/test-logger';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitUntil(done: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('embedded engine in its own process', function () {
  this.timeout(120_000);
  let dir: string;
  const stops: (() => Promise<void>)[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'omnihub-engine-proc-'));
  });
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the driver, restarts after a crash with its journaled data, and stops cleanly', async () => {
    const engine: EngineProcess = await startEngineProcess({
      socketPath: await privateSocketPath(dir, 'mongo.sock'),
      dataDir: path.join(dir, 'mongo'),
      durability: 'journaled',
      logger: testLogger,
    });
    stops.push(() => engine.stop());
    const firstPid = engine.pid()!;
    assert.notEqual(firstPid, process.pid, 'not this process');
    const client = await MongoClient.connect(engine.uri, { serverSelectionTimeoutMS: 30_000 });
    stops.push(() => client.close());
    await client.db('probe').collection('things').insertOne({ name: 'kettle' });

    process.kill(firstPid, 'SIGKILL');
    await waitUntil(() => engine.pid() !== firstPid, 'a new engine process');
    await engine.ready();
    assert.equal(
      (await client.db('probe').collection('things').findOne({}))?.name,
      'kettle',
      'the acknowledged write survived the crash; the driver reconnected',
    );

    const secondPid = engine.pid()!;
    await engine.stop();
    assert.equal(alive(secondPid), false, 'stopped');
  });

  it('reports a crash in memory mode as fatal (its data is gone) instead of restarting', async () => {
    let fatal: Error | null = null;
    const engine = await startEngineProcess({
      socketPath: await privateSocketPath(dir, 'mongo.sock'),
      dataDir: path.join(dir, 'mongo'),
      durability: 'memory',
      logger: testLogger,
      onFatal: (error) => {
        fatal = error;
      },
    });
    stops.push(() => engine.stop());
    const pid = engine.pid()!;
    process.kill(pid, 'SIGKILL');
    await waitUntil(() => fatal !== null, 'the fatal report');
    assert.match(String(fatal), /memory mode/);
    assert.equal(engine.pid(), pid, 'no restart');
  });

  it('stops by itself when the process that started it dies without cleaning up', async () => {
    const socketPath = await privateSocketPath(dir, 'mongo.sock');
    const script = [
      `import { startEngineProcess } from ${JSON.stringify(path.resolve('server/infra/engine-process.ts'))};`,
      `const logger = { info() {}, warn() {}, error() {}, fatal() {} };`,
      `const engine = await startEngineProcess({ socketPath: ${JSON.stringify(socketPath)}, dataDir: ${JSON.stringify(path.join(dir, 'mongo'))}, durability: 'journaled', logger });`,
      `console.log(String(engine.pid()));`,
      `setInterval(() => {}, 1000);`,
    ].join('\n');
    const launcher = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const enginePid = await new Promise<number>((resolve, reject) => {
      launcher.stdout.once('data', (data: Buffer) => resolve(Number(String(data).trim())));
      launcher.once('exit', (code) => reject(new Error(`launcher exited early (${code})`)));
    });
    assert.ok(enginePid > 0 && alive(enginePid));
    launcher.kill('SIGKILL');
    await waitUntil(() => !alive(enginePid), 'the orphaned engine to stop');
  });
});
