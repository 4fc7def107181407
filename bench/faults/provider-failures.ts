/**
 * Fault 4: a slow and then a dead provider API (the Twilio stub behind a gate: 503s, connection resets and
 * requests left unanswered), and a permanent refusal. Replies sent while the API is slow go out; a reply
 * to an invalid number fails at once with one call; replies sent while it is dead are retried with backoff
 * — and the circuit breaker stops the hub from hammering it — and all go out once after it recovers.
 */
import { startTwilioStub, STUB_ACCOUNT_SID, STUB_AUTH_TOKEN } from '../../test/support/twilio-stub';
import { startProviderGate } from './provider-gate';
import {
  api,
  conversationIds,
  faultDir,
  hubEnv,
  login,
  PUBLIC_URL,
  seconds,
  seed,
  sized,
  sleep,
  startEngine,
  startHub,
  startRedis,
  until,
  type Fault,
  type HubProcess,
} from './support';

const SLOW = 3;
const DEAD = sized('FAULTS_DEAD_SENDS', 8, 6);
const DEAD_MS = sized('FAULTS_DEAD_SECONDS', 30, 12) * 1000;
/** Twilio's magic "not a valid phone number" recipient on the stub (400, code 21211). */
const INVALID_NUMBER = '+15005550001';

export const providerFailures: Fault = {
  name: 'provider-slow-failing-dead',
  async run() {
    const { dir, cleanup } = await faultDir('provider');
    const engine = await startEngine(dir);
    const redis = await startRedis(dir);
    const stub = await startTwilioStub({ publicUrl: PUBLIC_URL, statusDelayMs: 20 });
    const gate = await startProviderGate(stub.url, { slowMs: 2_000 });
    const env = hubEnv({
      dir,
      mongoUri: engine.uri,
      redisUrl: redis.url,
      extra: {
        TWILIO_ACCOUNT_SID: STUB_ACCOUNT_SID,
        TWILIO_AUTH_TOKEN: STUB_AUTH_TOKEN,
        TWILIO_PHONE_NUMBER: stub.stub.phoneNumber,
        TWILIO_API_BASE: gate.url,
      },
    });
    await seed(env);
    let hub: HubProcess | undefined;
    try {
      hub = await startHub(env);
      const baseUrl = hub.baseUrl;
      stub.stub.setDeliverTo(baseUrl);
      const token = await login(baseUrl);
      const customers = [
        ...Array.from({ length: SLOW + DEAD }, (_, i) => `+8613800${String(i).padStart(6, '0')}`),
      ];
      for (const from of [...customers, INVALID_NUMBER]) {
        const inbound = await stub.stub.sendInboundMessage({ from, body: `hello from ${from}` });
        if (inbound.status !== 200) throw new Error(`inbound webhook answered ${inbound.status}`);
      }
      const byNumber = new Map<string, string>();
      for (const id of await conversationIds(baseUrl, token)) {
        const { body } = await api(baseUrl, token, 'GET', `/api/conversations/${id}/timeline`);
        const first = (body.items as { text?: string }[]).find((item) =>
          item.text?.startsWith('hello from '),
        );
        if (first?.text) byNumber.set(first.text.slice('hello from '.length), id);
      }
      const reply = async (phone: string, text: string) => {
        const id = byNumber.get(phone);
        if (!id) throw new Error(`no conversation for ${phone}`);
        const res = await api(baseUrl, token, 'POST', `/api/conversations/${id}/messages`, { text });
        if (res.status !== 201) throw new Error(`reply answered ${res.status}`);
        return String(res.body.id);
      };
      const status = async (messageId: string, conversationPhone: string) => {
        const { body } = await api(
          baseUrl,
          token,
          'GET',
          `/api/conversations/${byNumber.get(conversationPhone)}/timeline`,
        );
        return (body.items as { id: string; status: string; error?: { code: string } }[]).find(
          (m) => m.id === messageId,
        );
      };
      const sentCount = (text: string) =>
        stub.stub.messages.filter((message) => message.body === text).length;
      const accepted: string[] = [];

      // Slow: answered after 2 s (the client waits 10 s); the replies go out.
      gate.mode = 'slow';
      for (let i = 0; i < SLOW; i += 1)
        accepted.push(await reply(customers[i]!, `fault 4 slow ${i}`).then(() => `fault 4 slow ${i}`));
      await until(
        () => Promise.resolve(accepted.every((text) => sentCount(text) === 1)),
        'the slow sends',
        60_000,
      );

      // Permanent: refused at once, one call, never retried.
      gate.mode = 'pass';
      const callsBefore = gate.requests.length;
      const invalidId = await reply(INVALID_NUMBER, 'fault 4 to an invalid number');
      await until(
        async () => (await status(invalidId, INVALID_NUMBER))?.status === 'failed',
        'the permanent failure',
        30_000,
      );
      const invalidCalls = gate.requests.length - callsBefore;
      const invalid = await status(invalidId, INVALID_NUMBER);

      // Dead: 503s, resets and hanging requests for DEAD_MS; replies keep coming in.
      gate.mode = 'dead';
      const deadSince = Date.now();
      const deadTexts: string[] = [];
      for (let i = 0; i < DEAD; i += 1) {
        const text = `fault 4 dead ${i}`;
        await reply(customers[SLOW + i]!, text);
        deadTexts.push(text);
      }
      await sleep(Math.max(0, DEAD_MS - (Date.now() - deadSince)));
      const deadCalls = gate.requests.filter((request) => request.mode === 'dead');
      gate.mode = 'pass';
      const backAt = Date.now();
      await until(
        () => Promise.resolve(deadTexts.every((text) => sentCount(text) >= 1)),
        'the sends after recovery',
        120_000,
      ).catch((error: unknown) => {
        console.error(hub!.output.slice(-30).join('\n'));
        throw error;
      });
      const recovered = Date.now() - backAt;
      await sleep(3_000);

      // Without a breaker every dead send would be tried at 1, 2, 4, 8 and 16 s (about 5 calls each in 30 s).
      const circuitHeld = deadCalls.length < DEAD * 2;
      console.log(
        `  ${this.name}: slow sends ${accepted.map(sentCount).join('/')}; invalid number: ${invalid?.status} ` +
          `${invalid?.error?.code} after ${invalidCalls} call(s); ${deadCalls.length} calls to the dead API ` +
          `for ${DEAD} sends in ${seconds(DEAD_MS)} s (circuit ${circuitHeld ? 'held' : 'DID NOT HOLD'}); ` +
          `dead sends then sent ${deadTexts.map(sentCount).join('/')} times`,
      );
      const texts = [...accepted, ...deadTexts];
      const permanentOk =
        invalid?.status === 'failed' && invalid.error?.code === '21211' && invalidCalls === 1;
      const present = texts.filter((text) => sentCount(text) === 1).length + (permanentOk ? 1 : 0);
      return {
        fault: this.name,
        acknowledged: texts.length + 1,
        present,
        missing:
          texts.filter((text) => sentCount(text) === 0).length +
          (permanentOk ? 0 : 1) +
          (circuitHeld ? 0 : 1),
        duplicated: texts.filter((text) => sentCount(text) > 1).length,
        recoverySeconds: seconds(recovered),
      };
    } finally {
      await hub?.kill('SIGTERM');
      await gate.close();
      await stub.close();
      await redis.stop();
      await engine.kill();
      await cleanup();
    }
  },
};
