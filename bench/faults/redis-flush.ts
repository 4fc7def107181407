/**
 * Fault 3: Redis restarted empty (killed, its data gone) under a web process and a worker process. Before
 * it, customers wrote in (SLA timers armed in Redis) and the supervisor replied while no worker ran (send
 * jobs waiting in Redis); a supervisor's socket stays connected to the web process throughout. After it,
 * with a worker back: every reply is sent exactly once (the outbound sweep finds the sends whose jobs were
 * lost), every unanswered conversation breaches its SLA once (the SLA sweep re-arms lost timers), and the
 * breaches, fired by the worker, reach the socket on the web process through the restarted Redis.
 */
import { startTwilioStub, STUB_ACCOUNT_SID, STUB_AUTH_TOKEN } from '../../test/support/twilio-stub';
import {
  api,
  conversationIds,
  faultDir,
  hubEnv,
  isReady,
  login,
  PUBLIC_URL,
  seconds,
  seed,
  sleep,
  startEngine,
  startHub,
  startRedis,
  until,
  watch,
  type Fault,
  type HubProcess,
} from './support';

const UNANSWERED = Number(process.env.FAULTS_SLA_CONVERSATIONS ?? 8);
const REPLIED = Number(process.env.FAULTS_SENDS ?? 8);
/** The SLA's first-response target: long enough to be armed before the loss and due after it. */
const FIRST_RESPONSE_SECONDS = 25;

export const redisFlush: Fault = {
  name: 'redis-restarted-empty',
  async run() {
    const { dir, cleanup } = await faultDir('redis');
    const engine = await startEngine(dir);
    const redis = await startRedis(dir);
    const stub = await startTwilioStub({ publicUrl: PUBLIC_URL, statusDelayMs: 20 });
    const env = hubEnv({
      dir,
      mongoUri: engine.uri,
      redisUrl: redis.url,
      extra: {
        TWILIO_ACCOUNT_SID: STUB_ACCOUNT_SID,
        TWILIO_AUTH_TOKEN: STUB_AUTH_TOKEN,
        TWILIO_PHONE_NUMBER: stub.stub.phoneNumber,
        TWILIO_API_BASE: stub.url,
        SLA_SWEEP_INTERVAL_MS: '1000',
        OUTBOUND_SWEEP_INTERVAL_MS: '1000',
      },
    });
    await seed(env, { firstResponseMinutes: FIRST_RESPONSE_SECONDS / 60 });
    const processes: HubProcess[] = [];
    try {
      const web = await startHub({ ...env, HUB_ROLE: 'web' });
      processes.push(web);
      stub.stub.setDeliverTo(web.baseUrl);
      const token = await login(web.baseUrl);
      const watcher = await watch(web.baseUrl, token);

      for (let i = 0; i < UNANSWERED + REPLIED; i += 1) {
        const inbound = await stub.stub.sendInboundMessage({
          from: `+8613900${String(i).padStart(6, '0')}`,
          body: `fault 3 customer ${i}`,
        });
        if (inbound.status !== 200) throw new Error(`inbound webhook answered ${inbound.status}`);
      }
      const ids = await conversationIds(web.baseUrl, token);
      if (ids.length !== UNANSWERED + REPLIED) throw new Error(`${ids.length} conversations`);
      const replied = ids.slice(0, REPLIED);
      const unanswered = ids.slice(REPLIED);
      const replies: string[] = [];
      for (const [i, id] of replied.entries()) {
        const text = `fault 3 reply ${i}`;
        const res = await api(web.baseUrl, token, 'POST', `/api/conversations/${id}/messages`, { text });
        if (res.status === 201) replies.push(text);
      }

      // No worker has run yet: the send jobs and the SLA timers exist only in Redis. Redis loses them.
      const lostAt = Date.now();
      await redis.restartEmpty();
      await until(isReady(web.baseUrl), 'the web process to see Redis again');
      processes.push(await startHub({ ...env, HUB_ROLE: 'worker' }));

      const sentCount = (text: string) =>
        stub.stub.messages.filter((message) => message.body === text).length;
      const breaches = (id: string) =>
        watcher.events.filter((event) => event.name === 'sla:breached' && event.payload.conversationId === id)
          .length;
      await until(
        () => Promise.resolve(replies.every((text) => sentCount(text) > 0)),
        'every reply sent',
        120_000,
      );
      const recoveredAt = Date.now();
      await until(
        () => Promise.resolve(unanswered.every((id) => breaches(id) > 0)),
        'every SLA breach on the socket',
        120_000,
      ).catch((error: unknown) => {
        console.error(processes.map((hub) => hub.output.slice(-20).join('\n')).join('\n---\n'));
        throw error;
      });
      await sleep(3_000); // a doubled send or breach would show by now (both sweeps run every second)

      const presentSends = replies.filter((text) => sentCount(text) === 1).length;
      const presentBreaches = unanswered.filter((id) => breaches(id) === 1).length;
      console.log(
        `  ${this.name}: ${replies.length} replies sent ${replies.map(sentCount).join('/')} times, ` +
          `${unanswered.length} SLA breaches seen ${unanswered.map(breaches).join('/')} times on a socket ` +
          `that disconnected ${watcher.disconnects} times`,
      );
      watcher.socket.close();
      return {
        fault: this.name,
        acknowledged: replies.length + unanswered.length,
        present: presentSends + presentBreaches,
        missing:
          replies.filter((text) => sentCount(text) === 0).length +
          unanswered.filter((id) => breaches(id) === 0).length,
        duplicated:
          replies.filter((text) => sentCount(text) > 1).length +
          unanswered.filter((id) => breaches(id) > 1).length,
        recoverySeconds: seconds(recoveredAt - lostAt),
      };
    } finally {
      for (const hub of processes) await hub.kill('SIGTERM');
      await stub.close();
      await redis.stop();
      await engine.kill();
      await cleanup();
    }
  },
};
