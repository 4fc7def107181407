import assert from 'node:assert/strict';
import { ObjectId } from 'mongodb';
import { createManualClock } from '../../server/lib/clock';
import { startTestHub, testConfig, type RunningTestHub } from '../support/test-stack';
import { call } from './conversations-support';

describe('demo seed: care', function () {
  this.timeout(60_000);
  let running: RunningTestHub;
  const clock = createManualClock(new Date());
  const login = async (email: string) =>
    (await call(running.baseUrl, 'POST', '/api/auth/login', { body: { email, password: 'demo' } })).body
      .token as string;

  before(async () => {
    running = await startTestHub({
      clock,
      runWorkers: false,
      config: testConfig({
        SEED_DEMO: '1',
        CARE_SWEEP_INTERVAL_MS: '0',
        ACCESS_TOKEN_TTL_SECONDS: String(365 * 24 * 3600),
      }),
    });
  });
  after(async () => running?.close());

  it('gives the resolved demo complaint its 回访 task: its owner sees it as theirs, the team as the team’s', async () => {
    const db = running.hub.connection;
    const resolved = await db
      .collection('conversations')
      .find({ category: 'complaint', status: 'resolved' })
      .toArray();
    assert.equal(resolved.length, 1, 'the demo has one resolved complaint');
    const conversation = resolved[0]!;
    assert.ok(conversation.ownerId, 'the complaint has an owner');
    const owner = await db.collection('agents').findOne({ _id: new ObjectId(String(conversation.ownerId)) });
    const mine = await call(running.baseUrl, 'GET', '/api/tasks?scope=mine', {
      token: await login(owner!.email),
    });
    const visit = mine.body.items.find(
      (task: { kind: string; conversationId: string }) =>
        task.kind === 'follow_up' && task.conversationId === String(conversation._id),
    );
    assert.ok(visit, JSON.stringify(mine.body));
    const agent3 = await login('agent3@demo.omnihub');
    const team = await call(running.baseUrl, 'GET', '/api/tasks?scope=team', { token: agent3 });
    assert.ok(team.body.items.some((task: { id: string }) => task.id === visit.id));
    // The follow-up job the resolution scheduled finds the task when it fires and adds none.
    const job = (await running.hub.care.queue.getJobs(['waiting', 'delayed'], 0, 50)).find(
      (j) => j.data.kind === 'follow_up',
    );
    assert.ok(job, 'the resolution scheduled its follow-up job');
    clock.advance(Number(job.opts.delay) + 1_000);
    await running.hub.care.processJob(job.data);
    assert.equal(
      await db.collection('tasks').countDocuments({ conversationId: String(conversation._id) }),
      1,
    );
  });
});
