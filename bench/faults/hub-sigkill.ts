/**
 * Fault 1: a hub process taking signed SMS webhooks is killed with SIGKILL mid-stream, `ROUNDS` times, and
 * restarted on the same storage (an engine process, journaled, and its Redis). Senders keep going through
 * the outage. Every webhook answered 200 must be on the timeline once.
 */
import {
  countStored,
  describeAnswers,
  faultDir,
  hubEnv,
  seconds,
  sized,
  sleep,
  startEngine,
  startHub,
  startIngest,
  startRedis,
  type Fault,
} from './support';

const RATE = Number(process.env.FAULTS_RATE ?? 100);
const ROUND_SECONDS = sized('FAULTS_ROUND_SECONDS', 8, 3);
const ROUNDS = sized('FAULTS_ROUNDS', 3, 2);

export const hubSigkill: Fault = {
  name: 'hub-sigkill-during-ingest',
  async run() {
    const { dir, cleanup } = await faultDir('hub');
    const engine = await startEngine(dir);
    const redis = await startRedis(dir);
    const env = hubEnv({ dir, mongoUri: engine.uri, redisUrl: redis.url });
    let hub = await startHub(env);
    const port = Number(new URL(hub.baseUrl).port);
    try {
      const ingest = startIngest({ baseUrl: hub.baseUrl, rate: RATE, senders: 20, tag: 'h' });
      const recoveries: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        await sleep(ROUND_SECONDS * 1000);
        const killedAt = Date.now();
        await hub.kill('SIGKILL');
        hub = await startHub(env, port);
        recoveries.push(Date.now() - killedAt);
      }
      await sleep(ROUND_SECONDS * 1000);
      await ingest.stop();
      const stored = await countStored(engine.uri, ingest.acknowledged);
      console.log(`  ${this.name}: webhook answers ${describeAnswers(ingest.answers)}`);
      if (stored.halfWritten) console.log(`  ${this.name}: ${stored.halfWritten} half-written`);
      return {
        fault: this.name,
        acknowledged: ingest.acknowledged.length,
        present: stored.present,
        missing: stored.missing + stored.halfWritten,
        duplicated: stored.duplicated,
        recoverySeconds: seconds(Math.max(...recoveries)),
      };
    } finally {
      await hub.kill('SIGTERM');
      await redis.stop();
      await engine.kill();
      await cleanup();
    }
  },
};
