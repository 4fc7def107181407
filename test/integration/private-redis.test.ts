import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { createQueueFactory, PermanentJobError } from '../../server/infra/queues';
import { RedisBinaryMissingError, startPrivateRedis } from '../../server/infra/redis-server';
import { createMetrics } from '../../server/lib/metrics';
import { testLogger } from '../support/test-logger';
import { isAlive } from '../support/process-alive';

describe('private redis-server', function () {
  this.timeout(30_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'omnihub-redis-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('starts with append-only durability and no eviction, runs a bull job, stops, and keeps its data across restarts', async () => {
    const first = await startPrivateRedis({ dataDir: dir, binary: 'redis-server', logger: testLogger });
    const pid = Number((await readFile(path.join(dir, 'redis.pid'), 'utf8')).trim());
    assert.ok(isAlive(pid));
    const client = new Redis(first.url);
    assert.deepEqual(await client.config('GET', 'appendonly'), ['appendonly', 'yes']);
    assert.deepEqual(await client.config('GET', 'maxmemory-policy'), ['maxmemory-policy', 'noeviction']);
    await client.set('omnihub:test:kept', 'across restarts');
    client.disconnect();

    const queues = createQueueFactory({
      redisUrl: first.url,
      prefix: 'lifecycle',
      logger: testLogger,
      metrics: createMetrics(),
    });
    const done = new Promise<unknown>((resolve) => {
      queues.process<{ n: number }>('double', {}, async (job) => {
        const result = job.data.n * 2;
        resolve(result);
        return Promise.resolve(result);
      });
    });
    await queues.queue('double').add({ n: 21 });
    assert.equal(await done, 42);
    await queues.close();

    await first.stop();
    assert.equal(isAlive(pid), false, 'the redis-server process is gone after stop');

    const second = await startPrivateRedis({ dataDir: dir, binary: 'redis-server', logger: testLogger });
    const again = new Redis(second.url);
    assert.equal(await again.get('omnihub:test:kept'), 'across restarts');
    again.disconnect();
    await second.stop();
  });

  it('stops a leftover server from a killed run before starting', async () => {
    const orphan = await startPrivateRedis({ dataDir: dir, binary: 'redis-server', logger: testLogger });
    const orphanPid = Number((await readFile(path.join(dir, 'redis.pid'), 'utf8')).trim());
    // Simulate a hub killed with SIGKILL: the child lives on, nobody calls stop().
    const fresh = await startPrivateRedis({ dataDir: dir, binary: 'redis-server', logger: testLogger });
    assert.equal(isAlive(orphanPid), false);
    assert.notEqual(fresh.port, orphan.port);
    await fresh.stop();
  });

  it('explains how to install redis-server when the binary is missing', async () => {
    await assert.rejects(
      startPrivateRedis({ dataDir: dir, binary: 'redis-server-that-does-not-exist', logger: testLogger }),
      (error: unknown) =>
        error instanceof RedisBinaryMissingError &&
        /apt-get install redis-server/.test(error.message) &&
        /REDIS_URL/.test(error.message),
    );
  });
});

describe('queue factory', function () {
  this.timeout(30_000);
  let dir: string;
  let redis: Awaited<ReturnType<typeof startPrivateRedis>>;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'omnihub-queue-'));
    redis = await startPrivateRedis({ dataDir: dir, binary: 'redis-server', logger: testLogger });
  });
  after(async () => {
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('retries transient failures with backoff and fails permanent ones at once', async () => {
    const queues = createQueueFactory({
      redisUrl: redis.url,
      prefix: 'retry',
      logger: testLogger,
      metrics: createMetrics(),
    });
    const attempts = new Map<string, number>();
    queues.process<{ kind: string }>('work', { concurrency: 2 }, (job) => {
      attempts.set(job.data.kind, (attempts.get(job.data.kind) ?? 0) + 1);
      if (job.data.kind === 'permanent') return Promise.reject(new PermanentJobError('invalid number'));
      if ((attempts.get('transient') ?? 0) < 3) return Promise.reject(new Error('timeout'));
      return Promise.resolve('ok');
    });
    const queue = queues.queue<{ kind: string }>('work');
    const opts = { attempts: 5, backoff: { type: 'exponential', delay: 20 } };
    const transient = await queue.add({ kind: 'transient' }, opts);
    const permanent = await queue.add({ kind: 'permanent' }, opts);
    assert.equal(await transient.finished(), 'ok');
    await assert.rejects(permanent.finished(), /invalid number/);
    assert.equal(attempts.get('transient'), 3);
    assert.equal(attempts.get('permanent'), 1);
    await queues.close();
  });
});
