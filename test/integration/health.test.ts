import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHub, type Hub } from '../../server/hub';
import { startPrivateRedis, type PrivateRedis } from '../../server/infra/redis-server';
import { testLogger } from '../support/test-logger';
import { getTestStack, startTestHub, testConfig, type RunningTestHub } from '../support/test-stack';

describe('health, readiness and metrics', function () {
  this.timeout(30_000);

  describe('on healthy storage', () => {
    let running: RunningTestHub;
    before(async () => {
      running = await startTestHub();
    });
    after(() => running.close());

    it('answers /healthz while the process is alive', async () => {
      const res = await fetch(`${running.baseUrl}/healthz`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { status: 'ok' });
    });

    it('answers /readyz 200 when MongoDB and Redis answer', async () => {
      const res = await fetch(`${running.baseUrl}/readyz`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { status: 'ready', checks: { mongodb: 'up', redis: 'up' } });
    });

    it('exposes Prometheus metrics including the HTTP requests it served', async () => {
      await fetch(`${running.baseUrl}/healthz`);
      const res = await fetch(`${running.baseUrl}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
      const text = await res.text();
      assert.match(text, /omnihub_http_requests_total\{method="GET",route="\/healthz",status="200"\} [1-9]/);
      assert.match(text, /# TYPE omnihub_socket_connections gauge/);
      assert.match(text, /# TYPE omnihub_ingest_events_total counter/);
      assert.match(text, /# TYPE omnihub_queue_jobs_total counter/);
    });
  });

  describe('when Redis goes away', () => {
    let hub: Hub;
    let redis: PrivateRedis;
    let dir: string;
    let base: string;

    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'omnihub-ready-'));
      redis = await startPrivateRedis({ dataDir: dir, binary: 'redis-server', logger: testLogger });
      const { mongoUri } = await getTestStack();
      hub = await createHub({
        config: testConfig(),
        logger: testLogger,
        infra: { mongoUri, redisUrl: redis.url },
      });
      base = `http://127.0.0.1:${await hub.listen(0, '127.0.0.1')}`;
    });
    after(async () => {
      await hub.connection.dropDatabase().catch(() => undefined);
      await hub.close();
      await redis.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('turns /readyz to 503 naming Redis, while /healthz stays 200', async () => {
      assert.equal((await fetch(`${base}/readyz`)).status, 200);
      await redis.stop();
      const res = await fetch(`${base}/readyz`);
      assert.equal(res.status, 503);
      assert.deepEqual(await res.json(), { status: 'unavailable', checks: { mongodb: 'up', redis: 'down' } });
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
    });
  });
});
