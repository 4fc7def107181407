import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startHubProcess } from '../support/hub-process';
import { isAlive } from '../support/process-alive';

describe('the hub as a process on its embedded default', function () {
  this.timeout(120_000);
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'omnihub-e2e-'));
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  it('starts its own engine and redis-server, becomes ready, and stops cleanly on SIGTERM and SIGINT leaving no process behind', async () => {
    const env = { DATA_DIR: dataDir, SEED_DEMO: '0', HOST: '127.0.0.1' };
    const hub = await startHubProcess(env);
    const ready = await fetch(`${hub.baseUrl}/readyz`);
    assert.equal(ready.status, 200);
    const redisPid = Number((await readFile(path.join(dataDir, 'redis', 'redis.pid'), 'utf8')).trim());
    assert.ok(isAlive(redisPid), 'private redis-server runs');

    assert.equal(await hub.stop('SIGTERM'), 0);
    assert.equal(isAlive(redisPid), false, 'no orphaned redis-server');
    assert.ok(hub.logs.some((line) => line.includes('"msg":"stopped"')));

    // The same data directory serves a second run (engine lock released, redis data reused).
    const again = await startHubProcess(env);
    assert.equal((await fetch(`${again.baseUrl}/readyz`)).status, 200);
    assert.equal(await again.stop('SIGINT'), 0);
  });

  it('refuses an invalid configuration with a message naming the variable and exit code 2', async () => {
    await assert.rejects(startHubProcess({ DATA_DIR: dataDir, PORT: 'eighty' }, 20_000), (error: Error) => {
      assert.match(error.message, /exited with code 2/);
      assert.match(error.message, /PORT/);
      return true;
    });
  });
});
