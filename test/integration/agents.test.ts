import assert from 'node:assert/strict';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { call as callApi, type Json } from './conversations-support';

describe('agents and teams API', () => {
  let running: RunningTestHub;
  const tokens: Record<'agent' | 'supervisor' | 'admin', string> = { agent: '', supervisor: '', admin: '' };
  const ids: Record<'agent' | 'supervisor' | 'admin', string> = { agent: '', supervisor: '', admin: '' };

  /** The shared JSON helper, signed in as one of this suite's users. */
  function call(
    method: string,
    path: string,
    options: { as?: keyof typeof tokens; body?: unknown } = {},
  ): Promise<Json> {
    return callApi(running.baseUrl, method, path, {
      body: options.body,
      ...(options.as ? { token: tokens[options.as] } : {}),
    });
  }

  before(async () => {
    running = await startTestHub();
    for (const role of ['agent', 'supervisor', 'admin'] as const) {
      const agent = await running.hub.agents.agents.createAgent(
        { email: `${role}@example.com`, name: role, password: 'correct horse battery', role },
        null,
      );
      ids[role] = agent.id;
      const login = await call('POST', '/api/auth/login', {
        body: { email: `${role}@example.com`, password: 'correct horse battery' },
      });
      tokens[role] = login.body.token;
    }
  });
  after(async () => {
    await running.close();
  });

  it('lets an admin create an agent, hashing the password and never returning it', async () => {
    const created = await call('POST', '/api/agents', {
      as: 'admin',
      body: {
        email: 'Xiao.Ming@Example.com',
        name: '小明',
        password: 'a long enough password',
        skills: ['billing'],
        languages: ['zh-CN', 'en'],
        capacity: { chat: 4 },
        phone: '139 0000 1234',
      },
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.email, 'xiao.ming@example.com');
    assert.equal(created.body.role, 'agent');
    assert.equal(created.body.phone, '+8613900001234');
    assert.equal(created.body.capacity.chat, 4);
    assert.equal(created.body.capacity.voice, 1);
    assert.equal('passwordHash' in created.body, false);
    assert.equal('password' in created.body, false);
    const login = await call('POST', '/api/auth/login', {
      body: { email: 'xiao.ming@example.com', password: 'a long enough password' },
    });
    assert.equal(login.status, 200);
    const duplicate = await call('POST', '/api/agents', {
      as: 'admin',
      body: { email: 'xiao.ming@example.com', name: 'Again', password: 'a long enough password' },
    });
    assert.equal(duplicate.status, 409);
  });

  it('audits a role change with the old and the new role', async () => {
    const agent = (
      await call('POST', '/api/agents', {
        as: 'admin',
        body: { email: 'promote@example.com', name: 'Promote', password: 'a long enough password' },
      })
    ).body;
    const announced: unknown[] = [];
    const off = running.hub.events.on('agent.updated', (payload) => {
      announced.push(payload);
    });
    const changed = await call('PATCH', `/api/agents/${agent.id}`, {
      as: 'admin',
      body: { role: 'supervisor' },
    });
    off();
    assert.equal(changed.status, 200);
    assert.deepEqual(announced, [{ agentId: agent.id, changes: ['role'], active: true }]);
    assert.equal(changed.body.role, 'supervisor');
    const audit = await call('GET', `/api/audit?action=agent.role_changed&subjectId=${agent.id}`, {
      as: 'supervisor',
    });
    assert.equal(audit.body.items.length, 1);
    assert.deepEqual(audit.body.items[0].details, { from: 'agent', to: 'supervisor' });
    assert.equal(audit.body.items[0].actorId, ids.admin);
  });

  it('lets supervisors read but not manage agents, and shows agents only colleagues’ public view', async () => {
    const asSupervisor = await call('GET', '/api/agents', { as: 'supervisor' });
    assert.equal(asSupervisor.status, 200);
    assert.ok(asSupervisor.body.items.every((a: { email?: string }) => typeof a.email === 'string'));
    const asAgent = await call('GET', '/api/agents', { as: 'agent' });
    assert.equal(asAgent.status, 200);
    assert.ok(asAgent.body.items.length >= 3);
    assert.ok(asAgent.body.items.every((a: { email?: string }) => a.email === undefined));
    const create = await call('POST', '/api/agents', {
      as: 'supervisor',
      body: { email: 'nope@example.com', name: 'Nope', password: 'a long enough password' },
    });
    assert.equal(create.status, 403);
    assert.equal(
      (await call('PATCH', `/api/agents/${ids.agent}`, { as: 'supervisor', body: { role: 'admin' } })).status,
      403,
    );
    assert.equal((await call('GET', '/api/audit', { as: 'agent' })).status, 403);
  });

  it('refuses an admin demoting themselves', async () => {
    const { status } = await call('PATCH', `/api/agents/${ids.admin}`, {
      as: 'admin',
      body: { role: 'agent' },
    });
    assert.equal(status, 409);
  });

  it('manages teams, whose members are the agents that list the team', async () => {
    const team = await call('POST', '/api/teams', {
      as: 'admin',
      body: {
        name: '投诉组',
        skills: ['complaints'],
        leadId: ids.supervisor,
        supervisorIds: [ids.supervisor],
      },
    });
    assert.equal(team.status, 201);
    assert.equal(team.body.routingStrategy, 'longest-idle');
    assert.equal((await call('POST', '/api/teams', { as: 'admin', body: { name: '投诉组' } })).status, 409);
    assert.equal(
      (await call('POST', '/api/teams', { as: 'supervisor', body: { name: 'Other' } })).status,
      403,
    );

    assert.equal(
      (
        await call('POST', `/api/teams/${team.body.id}/members`, {
          as: 'supervisor',
          body: { agentId: ids.agent },
        })
      ).status,
      204,
    );
    const detail = await call('GET', `/api/teams/${team.body.id}`, { as: 'agent' });
    assert.deepEqual(
      detail.body.members.map((m: { id: string }) => m.id),
      [ids.agent],
    );
    const me = await call('GET', '/api/me', { as: 'agent' });
    assert.deepEqual(me.body.teamIds, [team.body.id]);
    assert.equal(me.body.teams[0].name, '投诉组');
    const filtered = await call('GET', `/api/agents?teamId=${team.body.id}`, { as: 'supervisor' });
    assert.deepEqual(
      filtered.body.items.map((a: { id: string }) => a.id),
      [ids.agent],
    );

    const patched = await call('PATCH', `/api/teams/${team.body.id}`, {
      as: 'admin',
      body: { routingStrategy: 'round-robin' },
    });
    assert.equal(patched.body.routingStrategy, 'round-robin');
    assert.equal((await call('DELETE', `/api/teams/${team.body.id}`, { as: 'admin' })).status, 204);
    const after = await call('GET', '/api/me', { as: 'agent' });
    assert.deepEqual(after.body.teamIds, []);
  });

  it('pages the agent list by cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const { body } = await call('GET', `/api/agents?limit=2${query}`, { as: 'admin' });
      seen.push(...body.items.map((a: { id: string }) => a.id));
      cursor = body.nextCursor;
    } while (cursor);
    assert.ok(seen.length >= 5);
    assert.equal(new Set(seen).size, seen.length);
    assert.equal((await call('GET', '/api/agents?cursor=bad!', { as: 'admin' })).status, 400);
  });
});
