import assert from 'node:assert/strict';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { createManualClock } from '../../server/lib/clock';
import { startTestHub, type RunningTestHub } from '../support/test-stack';

interface Json {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON of any shape
  body: any;
}

async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<Json> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function seedAgent(
  running: RunningTestHub,
  email: string,
  role: 'agent' | 'supervisor' | 'admin' = 'agent',
) {
  return running.hub.agents.agents.createAgent(
    { email, name: email.split('@')[0]!, password: 'correct horse battery', role },
    null,
  );
}

function login(running: RunningTestHub, email: string, password = 'correct horse battery') {
  return call(running.baseUrl, 'POST', '/api/auth/login', { body: { email, password } });
}

describe('authentication', () => {
  const clock = createManualClock(new Date());
  let running: RunningTestHub;
  before(async () => {
    running = await startTestHub({ clock, configOverrides: { ACCESS_TOKEN_TTL_SECONDS: '60' } });
    await seedAgent(running, 'mei@example.com', 'agent');
    await seedAgent(running, 'boss@example.com', 'admin');
  });
  after(async () => {
    await running.close();
  });

  it('logs in with email and password and returns tokens and the agent, never the password hash', async () => {
    const { status, body } = await login(running, 'MEI@example.com');
    assert.equal(status, 200);
    assert.match(body.token, /^oha_/);
    assert.match(body.refreshToken, /^ohr_/);
    assert.equal(new Date(body.expiresAt).getTime(), clock.now().getTime() + 60_000);
    assert.deepEqual(Object.keys(body.agent).sort(), ['email', 'id', 'name', 'role', 'teamIds']);
    assert.equal(body.agent.email, 'mei@example.com');
    const me = await call(running.baseUrl, 'GET', '/api/me', { token: body.token });
    assert.equal(me.status, 200);
    assert.equal(me.body.id, body.agent.id);
    assert.equal(me.body.passwordHash, undefined);
  });

  it('refuses a wrong password and an unknown email alike, and audits both failures', async () => {
    const wrong = await login(running, 'mei@example.com', 'not the password');
    const unknown = await login(running, 'nobody@example.com', 'not the password');
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.deepEqual(wrong.body, unknown.body);
    assert.equal(wrong.body.error.code, 'UNAUTHENTICATED');
    const admin = await login(running, 'boss@example.com');
    const audit = await call(running.baseUrl, 'GET', '/api/audit?action=auth.login_failed', {
      token: admin.body.token,
    });
    assert.equal(audit.status, 200);
    const emails = audit.body.items.map((entry: { details: { email: string } }) => entry.details.email);
    assert.ok(emails.includes('mei@example.com'));
    assert.ok(emails.includes('nobody@example.com'));
  });

  it('answers 400 INVALID_INPUT to a query operator in the login body', async () => {
    const { status, body } = await call(running.baseUrl, 'POST', '/api/auth/login', {
      body: { email: { $gt: '' }, password: { $gt: '' } },
    });
    assert.equal(status, 400);
    assert.equal(body.error.code, 'INVALID_INPUT');
  });

  it('answers 401 without a token and with a malformed or unknown one', async () => {
    assert.equal((await call(running.baseUrl, 'GET', '/api/me')).status, 401);
    assert.equal((await call(running.baseUrl, 'GET', '/api/me', { token: 'garbage' })).status, 401);
    const forged = `oha_${'A'.repeat(43)}`;
    const { status, body } = await call(running.baseUrl, 'GET', '/api/me', { token: forged });
    assert.equal(status, 401);
    assert.equal(body.error.code, 'UNAUTHENTICATED');
  });

  it('rejects an access token once it has expired', async () => {
    const { body } = await login(running, 'mei@example.com');
    assert.equal((await call(running.baseUrl, 'GET', '/api/me', { token: body.token })).status, 200);
    clock.advance(61_000);
    assert.equal((await call(running.baseUrl, 'GET', '/api/me', { token: body.token })).status, 401);
  });

  it('rotates the refresh token, and reuse of a rotated one revokes the whole session', async () => {
    const first = (await login(running, 'mei@example.com')).body;
    const second = await call(running.baseUrl, 'POST', '/api/auth/refresh', {
      body: { refreshToken: first.refreshToken },
    });
    assert.equal(second.status, 200);
    assert.notEqual(second.body.refreshToken, first.refreshToken);
    assert.equal((await call(running.baseUrl, 'GET', '/api/me', { token: second.body.token })).status, 200);

    const reuse = await call(running.baseUrl, 'POST', '/api/auth/refresh', {
      body: { refreshToken: first.refreshToken },
    });
    assert.equal(reuse.status, 401);
    // The family is gone: the legitimate holder's newer tokens stop working too.
    assert.equal((await call(running.baseUrl, 'GET', '/api/me', { token: second.body.token })).status, 401);
    const next = await call(running.baseUrl, 'POST', '/api/auth/refresh', {
      body: { refreshToken: second.body.refreshToken },
    });
    assert.equal(next.status, 401);
  });

  it('ends the session on logout', async () => {
    const { body } = await login(running, 'mei@example.com');
    assert.equal(
      (await call(running.baseUrl, 'POST', '/api/auth/logout', { token: body.token })).status,
      204,
    );
    assert.equal((await call(running.baseUrl, 'GET', '/api/me', { token: body.token })).status, 401);
    const refresh = await call(running.baseUrl, 'POST', '/api/auth/refresh', {
      body: { refreshToken: body.refreshToken },
    });
    assert.equal(refresh.status, 401);
  });

  it('answers 403 when an agent calls an admin route', async () => {
    const { body } = await login(running, 'mei@example.com');
    const { status, body: error } = await call(running.baseUrl, 'POST', '/api/agents', {
      token: body.token,
      body: { email: 'x@example.com', name: 'X', password: 'long enough password' },
    });
    assert.equal(status, 403);
    assert.equal(error.error.code, 'FORBIDDEN');
  });

  it('stops accepting the tokens of an agent who is deactivated', async () => {
    const agent = await seedAgent(running, 'leaver@example.com');
    const session = (await login(running, 'leaver@example.com')).body;
    const admin = (await login(running, 'boss@example.com')).body;
    const deactivated = await call(running.baseUrl, 'DELETE', `/api/agents/${agent.id}`, {
      token: admin.token,
    });
    assert.equal(deactivated.status, 200);
    assert.equal(deactivated.body.active, false);
    assert.equal((await call(running.baseUrl, 'GET', '/api/me', { token: session.token })).status, 401);
    assert.equal((await login(running, 'leaver@example.com')).status, 401);
  });

  describe('agent sockets', () => {
    const sockets: Socket[] = [];
    afterEach(() => {
      for (const socket of sockets.splice(0)) socket.disconnect();
    });

    function connect(auth: Record<string, unknown>): Promise<{ connected: true } | { error: Error }> {
      const socket = connectSocket(`${running.baseUrl}/agent`, {
        auth,
        transports: ['websocket'],
        reconnection: false,
      });
      sockets.push(socket);
      return new Promise((resolve) => {
        socket.once('connect', () => resolve({ connected: true }));
        socket.once('connect_error', (error) => resolve({ error }));
      });
    }

    it('admits a socket whose handshake carries a valid access token', async () => {
      const { body } = await login(running, 'mei@example.com');
      assert.deepEqual(await connect({ token: body.token }), { connected: true });
    });

    it('disconnects the sockets of a login when it logs out, and every socket of a deactivated agent', async () => {
      const agent = await seedAgent(running, 'kai@example.com', 'agent');
      const boss = (await login(running, 'boss@example.com')).body;
      const first = (await login(running, 'kai@example.com')).body;
      const second = (await login(running, 'kai@example.com')).body;
      const open = async (token: string) => {
        assert.deepEqual(await connect({ token }), { connected: true });
        const socket = sockets.at(-1)!;
        const reason = new Promise<string>((resolve) => socket.once('disconnect', resolve));
        return { socket, reason };
      };
      const a = await open(first.token);
      const b = await open(second.token);

      assert.equal(
        (await call(running.baseUrl, 'POST', '/api/auth/logout', { token: first.token })).status,
        204,
      );
      assert.equal(await a.reason, 'io server disconnect');
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(b.socket.connected, true, 'the other login keeps its socket');

      const deactivated = await call(running.baseUrl, 'PATCH', `/api/agents/${agent.id}`, {
        token: boss.token,
        body: { active: false },
      });
      assert.equal(deactivated.status, 200, JSON.stringify(deactivated.body));
      assert.equal(await b.reason, 'io server disconnect');
    });

    it('drops the sockets of an agent whose role changes, and the next handshake joins the new rooms', async () => {
      const agent = await seedAgent(running, 'lin@example.com', 'agent');
      const boss = (await login(running, 'boss@example.com')).body;
      const { token } = (await login(running, 'lin@example.com')).body;
      assert.deepEqual(await connect({ token }), { connected: true });
      const socket = sockets.at(-1)!;
      const dropped = new Promise<string>((resolve) => socket.once('disconnect', resolve));
      const promoted = await call(running.baseUrl, 'PATCH', `/api/agents/${agent.id}`, {
        token: boss.token,
        body: { role: 'supervisor' },
      });
      assert.equal(promoted.status, 200, JSON.stringify(promoted.body));
      assert.equal(await dropped, 'io server disconnect');

      // The same login reconnects (its token still stands) and now hears the supervisors' room.
      assert.deepEqual(await connect({ token }), { connected: true });
      const again = sockets.at(-1)!;
      const heard = new Promise((resolve) => again.once('queue:updated', resolve));
      await running.hub.realtime.publish({
        event: 'queue:updated',
        payload: { teamId: 'none', depth: 0, longestWaitSeconds: 0 },
        rooms: ['supervisors'],
      });
      await heard;
    });

    it('refuses a socket without a token or with an invalid one', async () => {
      const missing = await connect({});
      const invalid = await connect({ token: `oha_${'B'.repeat(43)}` });
      assert.ok('error' in missing && missing.error.message === 'UNAUTHENTICATED');
      assert.ok('error' in invalid && invalid.error.message === 'UNAUTHENTICATED');
    });
  });
});

describe('rate limits', () => {
  let running: RunningTestHub;
  before(async () => {
    running = await startTestHub({
      configOverrides: { LOGIN_RATE_LIMIT_PER_MINUTE: '3', API_RATE_LIMIT_PER_MINUTE: '20' },
    });
    await seedAgent(running, 'mei@example.com');
  });
  after(async () => {
    await running.close();
  });

  it('answers 429 RATE_LIMITED after too many failed logins for one address and email', async () => {
    for (let i = 0; i < 3; i++)
      assert.equal((await login(running, 'mei@example.com', 'wrong password')).status, 401);
    const limited = await login(running, 'mei@example.com', 'wrong password');
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error.code, 'RATE_LIMITED');
    // Even the right password waits out the window: the limit is what stops guessing.
    assert.equal((await login(running, 'mei@example.com')).status, 429);
  });

  it('answers 429 once a client exceeds the general API limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await call(running.baseUrl, 'GET', '/api/me')).status);
    assert.ok(statuses.every((status) => status === 401 || status === 429));
    const { status, body } = await call(running.baseUrl, 'GET', '/api/me');
    assert.equal(status, 429);
    assert.equal(body.error.code, 'RATE_LIMITED');
  });
});
