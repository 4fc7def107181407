/**
 * Defects found by probing the hub from outside (issue 17, defects 2–7): each test drives the real hub over
 * HTTP or Socket.IO as an attacker would, and fails on the behaviour that was found.
 */
import assert from 'node:assert/strict';
import { io as connect, type Socket } from 'socket.io-client';
import { signTwilioRequest } from '../../connectors/twilio';
import { TWILIO_DEMO_ACCOUNT } from '../../server/config';
import { createLogger } from '../../server/lib/logger';
import { rooms } from '../../server/realtime/socket-events';
import { call, createTeam, inbound, loginAs, nextId } from './conversations-support';
import { startTestHub, type RunningTestHub } from '../support/test-stack';

const PUBLIC_URL = 'http://hub.test';

/** A logger whose JSON lines the test reads back. */
function capturingLogger() {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'info',
    pretty: false,
    destination: { write: (line: string) => void lines.push(line) },
  });
  return { logger, text: () => lines.join('') };
}

function form(entries: [string, string][]): string {
  return new URLSearchParams(entries).toString();
}

/** Polls until `condition` holds (generous: the machine is shared). */
async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function openSocket(baseUrl: string, token: string): Promise<Socket> {
  const socket = connect(`${baseUrl}/agent`, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

/** A signed inbound SMS to the demo Twilio inbox (the test hub runs Twilio on demo values). */
function signedSms(body = 'hello') {
  const params = {
    MessageSid: `SM${nextId('').padEnd(32, '0').slice(0, 32)}`,
    AccountSid: TWILIO_DEMO_ACCOUNT.TWILIO_ACCOUNT_SID,
    From: '+8613800000042',
    To: TWILIO_DEMO_ACCOUNT.TWILIO_PHONE_NUMBER,
    Body: body,
  };
  const signature = signTwilioRequest(
    TWILIO_DEMO_ACCOUNT.TWILIO_AUTH_TOKEN,
    `${PUBLIC_URL}/webhooks/twilio/sms`,
    params,
  );
  return { body: new URLSearchParams(params).toString(), signature };
}

describe('the hub probed from outside (issue 17)', function () {
  this.timeout(60_000);
  const hubs: RunningTestHub[] = [];
  const sockets: Socket[] = [];
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });
  after(async () => {
    for (const running of hubs.splice(0)) await running.close();
  });
  // A configured Twilio inbox (the demo account's values, set explicitly: test hubs are not the seeded demo).
  const twilioInbox = {
    TWILIO_ACCOUNT_SID: TWILIO_DEMO_ACCOUNT.TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: TWILIO_DEMO_ACCOUNT.TWILIO_AUTH_TOKEN,
    TWILIO_PHONE_NUMBER: TWILIO_DEMO_ACCOUNT.TWILIO_PHONE_NUMBER,
  };
  const start = async (options: Parameters<typeof startTestHub>[0] = {}) => {
    const running = await startTestHub({
      ...options,
      configOverrides: { ...twilioInbox, ...options.configOverrides },
    });
    hubs.push(running);
    return running;
  };

  describe('bodies the parsers refuse', () => {
    let stack: RunningTestHub;
    let log: ReturnType<typeof capturingLogger>;
    before(async () => {
      log = capturingLogger();
      stack = await start({ logger: log.logger });
      log.logger.info('capture check');
      assert.match(log.text(), /capture check/, 'the test reads the hub’s log');
    });

    it('answers 413 to more than 1,000 form parameters on login, and logs no body', async () => {
      const marker = `secret-marker-${nextId()}`;
      const entries: [string, string][] = Array.from({ length: 5_000 }, (_, i) => [`p${i}`, marker]);
      const res = await fetch(`${stack.baseUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form(entries),
      });
      assert.equal(res.status, 413);
      const body = (await res.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'PAYLOAD_TOO_LARGE');
      assert.ok(!log.text().includes(marker), 'the body must never reach the log');
    });

    it('answers 4xx to 5,000 × From on the Twilio SMS webhook, and logs no body', async () => {
      // Small enough for the webhook's byte limit: it is the parameter count that is refused.
      const marker = `secret-marker-${nextId()}`;
      const entries: [string, string][] = Array.from({ length: 5_000 }, () => ['From', '1']);
      entries.push(['Body', marker]);
      const res = await fetch(`${stack.baseUrl}/webhooks/twilio/sms`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'x' },
        body: form(entries),
      });
      assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}`);
      assert.ok(!log.text().includes(marker), 'the body must never reach the log');
      // The process keeps serving.
      assert.equal((await fetch(`${stack.baseUrl}/healthz`)).status, 200);
    });

    it('answers 400 to a crafted conversation list cursor outside the date range', async () => {
      const { token } = await loginAs(stack, { email: `cursor-${nextId()}@example.test` });
      const cursor = Buffer.from(JSON.stringify([9e15, 'f'.repeat(24)])).toString('base64url');
      const res = await call(stack.baseUrl, 'GET', `/api/conversations?cursor=${cursor}`, { token });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'INVALID_INPUT');
    });

    it('answers 400 to a crafted audit cursor outside the date range', async () => {
      const { token } = await loginAs(stack, { email: `audit-${nextId()}@example.test`, role: 'admin' });
      const cursor = Buffer.from(`9000000000000000:${'f'.repeat(24)}`).toString('base64url');
      const res = await call(stack.baseUrl, 'GET', `/api/audit?cursor=${cursor}`, { token });
      assert.equal(res.status, 400);
    });

    it('refuses the customer simulator when the hub is not running the demo', async () => {
      for (const path of ['/simulator/twilio/api/message', '/simulator/api/message']) {
        const res = await fetch(`${stack.baseUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ channel: 'sms', from: '+8613800000001', text: 'hi' }),
        });
        assert.equal(res.status, 404, path);
      }
    });
  });

  describe('unsigned webhook traffic', () => {
    it('rate-limits refused webhook requests per address; signed ones never count', async () => {
      const stack = await start({ configOverrides: { WEBHOOK_REFUSAL_RATE_LIMIT_PER_MINUTE: '5' } });
      for (let i = 0; i < 8; i += 1) {
        const sms = signedSms(`signed ${i}`);
        const res = await fetch(`${stack.baseUrl}/webhooks/twilio/sms`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-twilio-signature': sms.signature,
          },
          body: sms.body,
        });
        assert.equal(res.status, 200, `signed request ${i}`);
      }
      const statuses: number[] = [];
      for (let i = 0; i < 8; i += 1) {
        const res = await fetch(`${stack.baseUrl}/webhooks/twilio/sms`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'forged' },
          body: signedSms().body,
        });
        statuses.push(res.status);
      }
      assert.deepEqual(statuses.slice(0, 5), [403, 403, 403, 403, 403]);
      assert.deepEqual(statuses.slice(5), [429, 429, 429]);
    });

    it('answers an unknown number exactly like a bad signature (403), so numbers cannot be probed', async () => {
      const stack = await start();
      const post = (to: string) =>
        fetch(`${stack.baseUrl}/webhooks/twilio/sms`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'forged' },
          body: form([
            ['MessageSid', `SM${'1'.repeat(32)}`],
            ['AccountSid', TWILIO_DEMO_ACCOUNT.TWILIO_ACCOUNT_SID],
            ['From', '+8613800000001'],
            ['To', to],
          ]),
        });
      const known = await post(TWILIO_DEMO_ACCOUNT.TWILIO_PHONE_NUMBER);
      const unknown = await post('+15550001111');
      assert.equal(known.status, 403);
      assert.equal(unknown.status, 403);
      assert.deepEqual(await unknown.json(), await known.json());
    });
  });

  describe('/metrics', () => {
    it('requires the metrics token when METRICS_TOKEN is set', async () => {
      const metricsToken = 'metrics-token-0123456789abcdef';
      const stack = await start({ configOverrides: { METRICS_TOKEN: metricsToken } });
      assert.equal((await fetch(`${stack.baseUrl}/metrics`)).status, 401);
      const wrong = await fetch(`${stack.baseUrl}/metrics`, { headers: { authorization: 'Bearer nope' } });
      assert.equal(wrong.status, 401);
      const res = await fetch(`${stack.baseUrl}/metrics`, {
        headers: { authorization: `Bearer ${metricsToken}` },
      });
      assert.equal(res.status, 200);
      assert.match(await res.text(), /# TYPE/);
    });
  });

  describe('conversations an agent cannot see', () => {
    let stack: RunningTestHub;
    let teamA: string;
    let teamB: string;
    before(async () => {
      stack = await start();
      teamA = await createTeam(stack, 'Team A');
      teamB = await createTeam(stack, 'Team B');
    });

    const conversationIn = async (teamId: string) => {
      const { conversationId } = await stack.hub.ingest.ingest(
        inbound({ from: { externalId: `+86138${Date.now() % 1e8}`, phone: `+86138${Date.now() % 1e8}` } }),
      );
      await stack.hub.conversations.conversations.assign(conversationId, { assigneeId: null, teamId });
      return conversationId;
    };

    it('answers 404 on GET /api/sla/conversations/:id to an agent outside its team, 200 inside', async () => {
      const hidden = await conversationIn(teamB);
      const outsider = await loginAs(stack, { email: `out-${nextId()}@example.test`, teamIds: [teamA] });
      const insider = await loginAs(stack, { email: `in-${nextId()}@example.test`, teamIds: [teamB] });
      const refused = await call(stack.baseUrl, 'GET', `/api/sla/conversations/${hidden}`, {
        token: outsider.token,
      });
      assert.equal(refused.status, 404);
      const missing = await call(stack.baseUrl, 'GET', `/api/sla/conversations/${'0'.repeat(24)}`, {
        token: outsider.token,
      });
      assert.deepEqual(refused.body, missing.body, 'hidden and missing look the same');
      const allowed = await call(stack.baseUrl, 'GET', `/api/sla/conversations/${hidden}`, {
        token: insider.token,
      });
      assert.equal(allowed.status, 200);
      assert.equal(allowed.body.conversationId, hidden);
    });

    it('replays on sync only events about conversations the socket may still see', async () => {
      const agent = await loginAs(stack, { email: `sync-${nextId()}@example.test`, teamIds: [teamA] });
      const moved = await conversationIn(teamA);
      const stays = await conversationIn(teamA);
      const before = await stack.hub.realtime.getLatestEventId();
      const dueAt = new Date().toISOString();
      for (const conversationId of [moved, stays])
        await stack.hub.realtime.publish({
          event: 'sla:warning',
          payload: { conversationId, target: 'firstResponse', dueAt },
          rooms: [rooms.team(teamA)],
        });
      await stack.hub.conversations.conversations.assign(moved, { assigneeId: null, teamId: teamB });

      const socket = await openSocket(stack.baseUrl, agent.token);
      sockets.push(socket);
      const warnings: string[] = [];
      socket.on('sla:warning', (payload: { conversationId: string }) =>
        warnings.push(payload.conversationId),
      );
      const ack = (await socket.timeout(10_000).emitWithAck('sync', { lastEventId: before })) as {
        ok: boolean;
        replayed: number;
      };
      assert.equal(ack.ok, true);
      assert.deepEqual(warnings, [stays], 'the moved conversation’s event is not replayed to team A');
    });
  });

  describe('sockets', () => {
    it('answers INVALID_INPUT to sync {lastEventId: "9999999999999999"}', async () => {
      const stack = await start();
      const agent = await loginAs(stack, { email: `big-${nextId()}@example.test` });
      const socket = await openSocket(stack.baseUrl, agent.token);
      sockets.push(socket);
      const ack = (await socket.timeout(10_000).emitWithAck('sync', { lastEventId: '9999999999999999' })) as {
        ok: boolean;
        error?: { code: string };
      };
      assert.equal(ack.ok, false);
      assert.equal(ack.error?.code, 'INVALID_INPUT');
    });

    it('disconnects a socket when its access token expires, and its token opens no new one', async () => {
      const stack = await start({ configOverrides: { ACCESS_TOKEN_TTL_SECONDS: '3' } });
      const email = `expiry-${nextId()}@example.test`;
      const password = 'correct horse battery';
      await stack.hub.agents.agents.createAgent(
        { email, name: 'Expiry', password, role: 'agent', teamIds: [] },
        null,
      );
      // On a loaded machine the 3 s token may expire before the handshake: log in again then.
      let socket: Socket | undefined;
      let token = '';
      for (let attempt = 0; attempt < 5 && !socket; attempt += 1) {
        token = (await stack.hub.agents.auth.login({ email, password })).token;
        socket = await openSocket(stack.baseUrl, token).catch(() => undefined);
      }
      assert.ok(socket, 'could not connect within the token lifetime');
      sockets.push(socket);
      let reason: string | undefined;
      socket.on('disconnect', (why) => (reason = why));
      await until(() => reason !== undefined, 'the socket to be dropped at token expiry');
      assert.equal(reason, 'io server disconnect');
      await assert.rejects(openSocket(stack.baseUrl, token), /UNAUTHENTICATED/);
    });
  });
});
