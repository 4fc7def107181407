import assert from 'node:assert/strict';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { call, inbound, loginAs } from './conversations-support';

describe('canned responses (/api/canned-responses)', function () {
  this.timeout(60_000);
  let running: RunningTestHub;
  let admin: string;
  let agent: { token: string; agentId: string };
  let other: string;
  let teamId: string;

  before(async () => {
    running = await startTestHub();
    const team = await running.hub.agents.agents.createTeam({ name: 'Canned team' }, null);
    teamId = team.id;
    admin = (await loginAs(running, { email: 'admin@canned.test', role: 'admin' })).token;
    agent = await loginAs(running, { email: 'li.na@canned.test', teamIds: [teamId] });
    other = (await loginAs(running, { email: 'other@canned.test' })).token;
  });
  after(async () => running?.close());

  it('ships greeting, problem solved, product update and complaint received in zh-CN and en', async () => {
    const list = await call(running.baseUrl, 'GET', '/api/canned-responses?limit=100', {
      token: agent.token,
    });
    assert.equal(list.status, 200);
    const keys = list.body.items.map(
      (item: { locale: string; shortcut: string }) => `${item.locale}/${item.shortcut}`,
    );
    for (const locale of ['zh-CN', 'en'])
      for (const shortcut of ['greet', 'solved', 'update', 'complaint'])
        assert.ok(keys.includes(`${locale}/${shortcut}`), `${locale}/${shortcut}`);
    const search = await call(running.baseUrl, 'GET', '/api/canned-responses?q=%2Fcompl&locale=zh-CN', {
      token: agent.token,
    });
    assert.deepEqual(
      search.body.items.map((item: { shortcut: string }) => item.shortcut),
      ['complaint'],
    );
  });

  it('keeps personal responses to their owner and team ones to the team; agents cannot write global ones', async () => {
    const personal = await call(running.baseUrl, 'POST', '/api/canned-responses', {
      token: agent.token,
      body: { shortcut: 'mine', title: 'Mine', text: 'Hi {{contactName}}', locale: 'en' },
    });
    assert.equal(personal.status, 201, JSON.stringify(personal.body));
    assert.equal(personal.body.scope, 'personal');
    const global = await call(running.baseUrl, 'POST', '/api/canned-responses', {
      token: agent.token,
      body: { shortcut: 'all', title: 'All', text: 'Hi', locale: 'en', scope: 'global' },
    });
    assert.equal(global.status, 403);
    const team = await call(running.baseUrl, 'POST', '/api/canned-responses', {
      token: admin,
      body: {
        shortcut: 'team1',
        title: 'Team',
        text: 'Team {{teamName}}',
        locale: 'en',
        scope: 'team',
        teamId,
      },
    });
    assert.equal(team.status, 201);
    const unknown = await call(running.baseUrl, 'POST', '/api/canned-responses', {
      token: agent.token,
      body: { shortcut: 'bad', title: 'Bad', text: 'Hi {{customerName}}', locale: 'en' },
    });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.details[0].name, 'customerName');

    const seen = async (token: string) =>
      (
        await call(running.baseUrl, 'GET', '/api/canned-responses?locale=en&limit=100', { token })
      ).body.items.map((item: { shortcut: string }) => item.shortcut);
    assert.ok((await seen(agent.token)).includes('mine'));
    assert.ok((await seen(agent.token)).includes('team1'));
    assert.ok(!(await seen(other)).includes('mine'));
    assert.ok(!(await seen(other)).includes('team1'));
    const edit = await call(running.baseUrl, 'PATCH', `/api/canned-responses/${personal.body.id}`, {
      token: other,
      body: { text: 'x' },
    });
    assert.equal(edit.status, 404);
  });

  it('renders for a conversation the agent sees: contact, ticket number, agent name; lists what is missing', async () => {
    const { conversationId } = await running.hub.ingest.ingest(
      inbound({ from: { externalId: '+8613811112222', phone: '+8613811112222', name: '周杰' } }),
    );
    await running.hub.conversations.conversations.assign(conversationId, {
      assigneeId: agent.agentId,
      teamId,
    });
    const conversation = await running.hub.conversations.conversations.getConversation(conversationId);
    const list = await call(running.baseUrl, 'GET', '/api/canned-responses?q=complaint&locale=zh-CN', {
      token: agent.token,
    });
    const complaint = list.body.items[0];
    const rendered = await call(running.baseUrl, 'POST', `/api/canned-responses/${complaint.id}/render`, {
      token: agent.token,
      body: { conversationId },
    });
    assert.equal(rendered.status, 200, JSON.stringify(rendered.body));
    assert.match(rendered.body.text, /^周杰您好/);
    assert.ok(rendered.body.text.includes(`#${conversation.number}`));
    // No owner yet and no SLA policy: the agent sees what to fill in.
    assert.deepEqual(rendered.body.missing.sort(), ['ownerName', 'promisedAt']);
    assert.ok(rendered.body.text.includes('[ownerName]'));
    const greet = (
      await call(running.baseUrl, 'GET', '/api/canned-responses?q=greet&locale=en', { token: agent.token })
    ).body.items[0];
    const hello = await call(running.baseUrl, 'POST', `/api/canned-responses/${greet.id}/render`, {
      token: agent.token,
      body: { conversationId },
    });
    assert.equal(hello.body.text, 'Hello 周杰, this is li.na. How can I help you today?');
    const hidden = await call(running.baseUrl, 'POST', `/api/canned-responses/${greet.id}/render`, {
      token: other,
      body: { conversationId },
    });
    assert.equal(hidden.status, 404);
  });
});
