/**
 * Fault 5: a TCP fault proxy (test/support/tcp-proxy.ts) between the hub and the engine, and another
 * between the hub and Redis, while signed SMS webhooks keep coming: latency on both, a reset (RST) of every
 * connection, then for each of the engine and Redis a partition that drops packets (black hole: nothing
 * closed, nothing answered) and one where the far side is gone (connections closed, new ones refused), each
 * `PARTITION_MS` long. Requests must fail clearly (an error status, never a 200 for what was not stored,
 * never a hang past the sender's 30 s), the hub must serve again after each fault, and nothing may be
 * half-written. (A reset once left the driver's server monitor stuck for good and `/readyz` down until a
 * restart: server/infra/mongo-monitor-watchdog.ts.)
 */
import { startTcpProxy } from '../../test/support/tcp-proxy';
import {
  countStored,
  describeAnswers,
  faultDir,
  hubEnv,
  isReady,
  seconds,
  sized,
  sleep,
  startEngine,
  startHub,
  startIngest,
  startRedis,
  until,
  type Fault,
} from './support';

const RATE = Number(process.env.FAULTS_RATE ?? 100);
const PARTITION_MS = sized('FAULTS_PARTITION_SECONDS', 10, 3) * 1000;
/** Traffic between the faults (the first one, and the latency phase, are longer in the full run). */
const SETTLE_MS = sized('FAULTS_SETTLE_SECONDS', 3, 1) * 1000;

export const networkFaults: Fault = {
  name: 'network-latency-resets-partitions',
  async run() {
    const { dir, cleanup } = await faultDir('network');
    const engine = await startEngine(dir);
    const redis = await startRedis(dir);
    const mongoProxy = await startTcpProxy({ path: engine.socketPath });
    const redisProxy = await startTcpProxy(redis.port);
    const redisUrl = new URL(redis.url);
    redisUrl.port = String(redisProxy.port);
    const hub = await startHub(
      hubEnv({ dir, mongoUri: `mongodb://127.0.0.1:${mongoProxy.port}/`, redisUrl: redisUrl.toString() }),
    );
    const proxies = [mongoProxy, redisProxy];
    try {
      const ingest = startIngest({ baseUrl: hub.baseUrl, rate: RATE, senders: 20, tag: 'n' });
      const recoveries: number[] = [];
      const recovered = async (since: number) => {
        await until(isReady(hub.baseUrl), 'the hub to serve again').catch(async (error: unknown) => {
          const ready = await fetch(`${hub.baseUrl}/readyz`, { signal: AbortSignal.timeout(60_000) })
            .then((res) => res.text())
            .catch((failure: unknown) => String(failure));
          console.error(hub.output.slice(-8).join('\n'), describeAnswers(ingest.answers), `readyz: ${ready}`);
          throw error;
        });
        recoveries.push(Date.now() - since);
      };
      await sleep(SETTLE_MS * 1.5);
      for (const proxy of proxies) proxy.setLatency(100);
      await sleep(SETTLE_MS * 1.5);
      for (const proxy of proxies) proxy.setLatency(0);
      const resetAt = Date.now();
      for (const proxy of proxies) proxy.reset();
      await recovered(resetAt);
      await sleep(SETTLE_MS);
      for (const proxy of proxies) {
        for (const partition of ['blackhole', 'cut'] as const) {
          await proxy[partition](PARTITION_MS);
          const healedAt = Date.now();
          await recovered(healedAt);
          await sleep(SETTLE_MS);
        }
      }
      await ingest.stop();
      const stored = await countStored(engine.uri, ingest.acknowledged);
      const hung = ingest.answers.get('timeout') ?? 0;
      console.log(
        `  ${this.name}: webhook answers ${describeAnswers(ingest.answers)}; slowest ${seconds(ingest.slowestMs)} s; ` +
          `${stored.halfWritten} half-written; ${hung} left hanging past 30 s`,
      );
      return {
        fault: this.name,
        acknowledged: ingest.acknowledged.length,
        present: stored.present,
        // a half-written webhook or one left hanging is a loss for this row
        missing: stored.missing + stored.halfWritten + hung,
        duplicated: stored.duplicated,
        recoverySeconds: seconds(Math.max(...recoveries)),
      };
    } finally {
      await hub.kill('SIGTERM');
      for (const proxy of proxies) await proxy.close();
      await redis.stop();
      await engine.kill();
      await cleanup();
    }
  },
};
