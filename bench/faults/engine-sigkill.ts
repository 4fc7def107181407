/**
 * Fault 2: the engine process (`npm run db`, journaled, on its Unix socket) is killed with SIGKILL while a
 * hub takes signed SMS webhooks, and restarted on the same data `ROUNDS` times. While it is down the hub
 * must refuse (5xx) rather than acknowledge; every webhook it answered 200 must be stored once after the
 * restart.
 */
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
  type EngineProcess,
  type Fault,
} from './support';

const RATE = Number(process.env.FAULTS_RATE ?? 100);
const ROUND_SECONDS = sized('FAULTS_ROUND_SECONDS', 8, 3);
const ROUNDS = sized('FAULTS_ROUNDS', 3, 2);
/** How long the engine stays dead each round. */
const DOWN_MS = 2_000;

export const engineSigkill: Fault = {
  name: 'engine-sigkill-during-writes',
  async run() {
    const { dir, cleanup } = await faultDir('engine');
    let engine: EngineProcess = await startEngine(dir);
    const redis = await startRedis(dir);
    const hub = await startHub(hubEnv({ dir, mongoUri: engine.uri, redisUrl: redis.url }));
    try {
      const ingest = startIngest({ baseUrl: hub.baseUrl, rate: RATE, senders: 20, tag: 'e' });
      const recoveries: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        await sleep(ROUND_SECONDS * 1000);
        const killedAt = Date.now();
        await engine.kill('SIGKILL');
        await sleep(DOWN_MS);
        engine = await startEngine(dir);
        await until(isReady(hub.baseUrl), 'the hub to serve again').catch(async (error: unknown) => {
          console.error(hub.output.slice(-30).join('\n'), describeAnswers(ingest.answers));
          const res = await fetch(`${hub.baseUrl}/readyz`).catch((e: unknown) => e);
          console.error(res instanceof Response ? await res.text() : res);
          throw error;
        });
        recoveries.push(Date.now() - killedAt);
      }
      await sleep(ROUND_SECONDS * 1000);
      await ingest.stop();
      const stored = await countStored(engine.uri, ingest.acknowledged);
      console.log(
        `  ${this.name}: webhook answers ${describeAnswers(ingest.answers)}; slowest ${seconds(ingest.slowestMs)} s`,
      );
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
