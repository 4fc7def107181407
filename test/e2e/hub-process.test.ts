import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../support/email-hub';
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

  it('on the demo default, sends the seeded replies through its own provider stubs at the first attempt', async function () {
    // The demo channels' stubs are served by the hub itself, so the public URL must be its real address.
    const port = await freePort();
    const demoDir = await mkdtemp(path.join(os.tmpdir(), 'omnihub-e2e-demo-'));
    const hub = await startHubProcess({
      DATA_DIR: demoDir,
      SEED_DEMO: '1',
      EMBEDDED_MONGO_DURABILITY: 'memory',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
    });
    try {
      const outboundJobs = async (outcome: string) => {
        const text = await (await fetch(`${hub.baseUrl}/metrics`)).text();
        const line = text
          .split('\n')
          .find((entry) =>
            entry.startsWith(`omnihub_queue_jobs_total{queue="outbound",outcome="${outcome}"}`),
          );
        return line ? Number(line.split(' ').pop()) : 0;
      };
      const deadline = Date.now() + 60_000;
      while ((await outboundJobs('completed')) === 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 250));
      // Every seeded send has had its first attempt once the count stops moving.
      for (let last = -1, now = await outboundJobs('completed'); now !== last && Date.now() < deadline;) {
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        [last, now] = [now, await outboundJobs('completed')];
      }
      assert.ok((await outboundJobs('completed')) > 0, 'the demo seed sent its replies');
      assert.equal(await outboundJobs('retried'), 0, 'no seeded send had to be retried');
      assert.equal(await outboundJobs('failed'), 0);
      assert.ok(!hub.logs.some((line) => line.includes('send failed')), 'no send failure in the log');
    } finally {
      await hub.stop('SIGTERM');
      await rm(demoDir, { recursive: true, force: true });
    }
  });

  it('refuses an invalid configuration with a message naming the variable and exit code 2', async () => {
    await assert.rejects(startHubProcess({ DATA_DIR: dataDir, PORT: 'eighty' }, 20_000), (error: Error) => {
      assert.match(error.message, /exited with code 2/);
      assert.match(error.message, /PORT/);
      return true;
    });
  });
});
