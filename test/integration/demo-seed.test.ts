import assert from 'node:assert/strict';
import { createHub } from '../../server/hub';
import { DEMO_AGENTS, DEMO_STORIES } from '../../server/modules/demo';
import {
  getTestStack,
  startTestHub,
  testConfig,
  testLogger,
  type RunningTestHub,
} from '../support/test-stack';
import { call } from './conversations-support';

describe('demo seed', function () {
  this.timeout(60_000);
  let running: RunningTestHub;
  const config = testConfig({ SEED_DEMO: '1' });

  before(async () => {
    running = await startTestHub({ config });
  });
  after(async () => {
    await running?.close();
  });

  it('seeds teams, agents who can log in with the demo password, and conversations in every status', async () => {
    const login = await call(running.baseUrl, 'POST', '/api/auth/login', {
      body: { email: 'supervisor@demo.omnihub', password: 'demo' },
    });
    assert.equal(login.status, 200);
    const agent1 = await call(running.baseUrl, 'POST', '/api/auth/login', {
      body: { email: 'agent1@demo.omnihub', password: 'demo' },
    });
    assert.equal(agent1.status, 200);
    const list = await call(running.baseUrl, 'GET', '/api/conversations?limit=100', {
      token: login.body.token,
    });
    assert.equal(list.body.items.length, DEMO_STORIES.length);
    const statuses = new Set(list.body.items.map((c: { status: string }) => c.status));
    assert.deepEqual(statuses, new Set(['new', 'open', 'pending', 'snoozed', 'resolved', 'closed']));
    const channels = new Set(list.body.items.flatMap((c: { channels: string[] }) => c.channels));
    for (const channel of ['sms', 'whatsapp', 'email', 'webchat', 'voice', 'wechat', 'telegram'])
      assert.ok(channels.has(channel), `a ${channel} conversation`);
    assert.ok(list.body.items.some((c: { category: string }) => c.category === 'complaint'));
    // The SMS and the WhatsApp message of one customer are one conversation on one contact.
    const zhang = list.body.items.find((c: { contact: { name?: string } }) => c.contact.name === '张伟');
    assert.deepEqual(new Set(zhang.channels), new Set(['sms', 'whatsapp']));
    const hashes = await running.hub.connection.collection('agents').find({}).toArray();
    assert.equal(hashes.length, DEMO_AGENTS.length);
    for (const agent of hashes) assert.match(String(agent.passwordHash), /^\$argon2id\$/);
  });

  it('seeds nothing on a second start', async () => {
    const { mongoUri, redisUrl } = await getTestStack();
    const counts = async () => ({
      agents: await running.hub.connection.collection('agents').countDocuments(),
      conversations: await running.hub.connection.collection('conversations').countDocuments(),
      messages: await running.hub.connection.collection('messages').countDocuments(),
    });
    const before = await counts();
    const second = await createHub({
      config,
      logger: testLogger,
      infra: { mongoUri, redisUrl },
      runWorkers: false,
    });
    try {
      assert.deepEqual(await counts(), before);
    } finally {
      await second.close();
    }
  });
});
