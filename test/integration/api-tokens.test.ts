import assert from 'node:assert/strict';
import { createManualClock } from '../../server/lib/clock';
import { startTestHub, testConfig, type RunningTestHub } from '../support/test-stack';

/** Integration API tokens: scopes, one-time secret, revocation on every process, expiry, audit, limits. */
describe('API tokens for integrations', function () {
  this.timeout(60_000);
  const clock = createManualClock(new Date());
  const config = testConfig({ API_RATE_LIMIT_PER_MINUTE: '40' });
  let hub: RunningTestHub;
  let other: RunningTestHub;
  const people: Record<'admin' | 'agent', string> = { admin: '', agent: '' };

  const call = async (base: string, token: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const PASSWORD = 'correct horse battery staple';
  const login = async () => {
    for (const role of ['admin', 'agent'] as const)
      people[role] = (
        await hub.hub.agents.auth.login({ email: `${role}@example.test`, password: PASSWORD })
      ).token;
  };
  const makeToken = async (scopes: string[], extra: Record<string, unknown> = {}) => {
    const created = await call(hub.baseUrl, people.admin, 'POST', '/api/api-tokens', {
      name: `integration ${scopes.join('+')}`,
      scopes,
      ...extra,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return { id: String(created.body.id), token: String(created.body.token) };
  };

  before(async () => {
    // Two hub processes' worth on one database: revocation must reach both at once.
    hub = await startTestHub({ config, clock });
    other = await startTestHub({ config, clock });
    for (const role of ['admin', 'agent'] as const)
      await hub.hub.agents.agents.createAgent(
        { email: `${role}@example.test`, password: PASSWORD, name: role, role },
        null,
      );
    await login();
  });
  after(async () => {
    await other?.hub.close();
    await hub?.close();
  });

  it('shows the secret once and lists tokens without it', async () => {
    const { id, token } = await makeToken(['conversations:read']);
    assert.match(token, /^ohk_[A-Za-z0-9_-]{43}$/);
    const listed = await call(hub.baseUrl, people.admin, 'GET', '/api/api-tokens');
    const text = JSON.stringify(listed.body);
    assert.ok(!text.includes(token), 'the secret is never listed');
    const row = (listed.body.items as { id: string; hint: string; scopes: string[] }[]).find(
      (item) => item.id === id,
    );
    assert.deepEqual(row?.scopes, ['conversations:read']);
    assert.equal(row?.hint, `${token.slice(0, 8)}…`);
  });

  it('lets only admins make tokens, and never a token itself', async () => {
    const asAgent = await call(hub.baseUrl, people.agent, 'POST', '/api/api-tokens', {
      name: 'x',
      scopes: ['admin'],
    });
    assert.equal(asAgent.status, 403);
    const { token } = await makeToken(['admin']);
    const mint = await call(hub.baseUrl, token, 'POST', '/api/api-tokens', { name: 'y', scopes: ['admin'] });
    assert.equal(mint.status, 403);
    const invalid = await call(hub.baseUrl, people.admin, 'POST', '/api/api-tokens', {
      name: 'z',
      scopes: ['everything'],
    });
    assert.equal(invalid.status, 400);
  });

  it('holds a read token to reading: it cannot write', async () => {
    const { token } = await makeToken(['conversations:read']);
    const list = await call(hub.baseUrl, token, 'GET', '/api/conversations?limit=5');
    assert.equal(list.status, 200, JSON.stringify(list.body));
    const reply = await call(
      hub.baseUrl,
      token,
      'POST',
      '/api/conversations/000000000000000000000000/messages',
      {
        text: 'hi',
      },
    );
    assert.equal(reply.status, 403);
    assert.equal((reply.body.error as { code: string }).code, 'FORBIDDEN');
    assert.equal((await call(hub.baseUrl, token, 'GET', '/api/contacts')).status, 403);
    assert.equal((await call(hub.baseUrl, token, 'GET', '/api/agents')).status, 403);
  });

  it('refuses a revoked token with 401 at once on every process', async () => {
    const { id, token } = await makeToken(['reports', 'conversations:read']);
    assert.equal((await call(other.baseUrl, token, 'GET', '/api/conversations')).status, 200);
    const revoked = await call(hub.baseUrl, people.admin, 'DELETE', `/api/api-tokens/${id}`);
    assert.equal(revoked.status, 200);
    assert.ok(revoked.body.revokedAt);
    assert.equal((await call(hub.baseUrl, token, 'GET', '/api/conversations')).status, 401);
    assert.equal((await call(other.baseUrl, token, 'GET', '/api/conversations')).status, 401);
  });

  it('stops working when it expires', async () => {
    const expiresAt = new Date(clock.now().getTime() + 3_600_000).toISOString();
    const { token } = await makeToken(['conversations:read'], { expiresAt });
    assert.equal((await call(hub.baseUrl, token, 'GET', '/api/conversations')).status, 200);
    clock.advance(3_600_001);
    assert.equal((await call(hub.baseUrl, token, 'GET', '/api/conversations')).status, 401);
    await login(); // the people's own access tokens expired with the hour too
  });

  it('records its last use and audits every use', async () => {
    const { id, token } = await makeToken(['conversations:read']);
    await call(hub.baseUrl, token, 'GET', '/api/conversations');
    await call(hub.baseUrl, token, 'GET', '/api/conversations?status=open');
    const listed = await call(hub.baseUrl, people.admin, 'GET', '/api/api-tokens');
    const row = (listed.body.items as { id: string; lastUsedAt: string | null }[]).find(
      (item) => item.id === id,
    );
    assert.ok(row?.lastUsedAt, 'last use recorded');
    const audit = await hub.hub.agents.audit.list({ subjectType: 'api_token', subjectId: id, limit: 50 });
    assert.equal(audit.items.filter((entry) => entry.action === 'api_token.used').length, 2);
  });

  it('is rate limited per token', async () => {
    const first = await makeToken(['conversations:read']);
    const second = await makeToken(['conversations:read']);
    let limited = 0;
    for (let i = 0; i < 45; i++) {
      const answer = await call(hub.baseUrl, first.token, 'GET', '/api/conversations?limit=1');
      if (answer.status === 429) limited += 1;
    }
    assert.ok(limited > 0, 'the busy token hit its limit');
    assert.equal((await call(hub.baseUrl, second.token, 'GET', '/api/conversations?limit=1')).status, 200);
  });
});
