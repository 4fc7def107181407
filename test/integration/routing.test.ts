import assert from 'node:assert/strict';
import { connectAgent, createTeam, type TestAgent } from '../support/agent-client';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { call, inbound } from './conversations-support';

const offerFor = (conversationId: string) => (p: Record<string, unknown>) =>
  (p.conversation as { id: string }).id === conversationId;

async function ingestSms(running: RunningTestHub, phone: string, overrides: Record<string, unknown> = {}) {
  const result = await running.hub.ingest.ingest(
    inbound({ from: { externalId: phone, phone, name: `Customer ${phone.slice(-4)}` }, ...overrides }),
  );
  return result.conversationId;
}

async function loadOf(running: RunningTestHub, agentId: string) {
  const presence = await running.hub.routing.models.Presence.findById(agentId).lean();
  return presence?.load;
}

describe('live routing', function () {
  this.timeout(60_000);
  let running: RunningTestHub;
  const agents: TestAgent[] = [];

  const start = async (overrides: Record<string, string> = {}) => {
    running = await startTestHub({ configOverrides: { ROUTING_OFFER_TIMEOUT_SECONDS: '30', ...overrides } });
  };
  const agent = async (input: Parameters<typeof connectAgent>[1]) => {
    const client = await connectAgent(running, input);
    agents.push(client);
    return client;
  };

  afterEach(async () => {
    agents.splice(0).forEach((a) => a.close());
    await running?.close();
  });

  it('offers a new conversation to an online agent, and accepting assigns it and takes one messaging slot', async () => {
    await start();
    const team = await createTeam(running, 'Service');
    const alice = await agent({ email: 'alice@test.omnihub', teamIds: [team] });
    const conversationId = await ingestSms(running, '+8613800000101');
    const offer = await alice.next('offer:new', offerFor(conversationId));
    assert.ok(new Date(offer.expiresAt as string).getTime() > Date.now());
    const ack = await alice.emit('offer:accept', { offerId: offer.offerId });
    assert.deepEqual(ack, { ok: true, conversationId });
    const assigned = await alice.next('conversation:assigned', (p) => p.assigneeId === alice.agentId);
    assert.equal((assigned.conversation as { id: string }).id, conversationId);
    const conversation = await call(running.baseUrl, 'GET', `/api/conversations/${conversationId}`, {
      token: alice.token,
    });
    assert.equal(conversation.body.assigneeId, alice.agentId);
    assert.equal(conversation.body.status, 'open');
    assert.equal((await loadOf(running, alice.agentId))?.messaging, 1);
    // Accepting twice does nothing more.
    assert.equal((await alice.emit('offer:accept', { offerId: offer.offerId })).ok, false);
    assert.equal((await loadOf(running, alice.agentId))?.messaging, 1);
  });

  it('offers a declined conversation to the next agent, never back to the one who declined while another can take it', async () => {
    await start();
    const team = await createTeam(running, 'Service');
    const alice = await agent({ email: 'alice@test.omnihub', teamIds: [team] });
    const bob = await agent({ email: 'bob@test.omnihub', teamIds: [team] });
    const conversationId = await ingestSms(running, '+8613800000102');
    // Longest idle first: Alice came online first.
    const first = await alice.next('offer:new', offerFor(conversationId));
    assert.equal((await alice.emit('offer:decline', { offerId: first.offerId })).ok, true);
    await alice.next('offer:revoked', (p) => p.offerId === first.offerId && p.reason === 'declined');
    const second = await bob.next('offer:new', offerFor(conversationId));
    assert.notEqual(second.offerId, first.offerId);
    assert.equal((await loadOf(running, alice.agentId))?.messaging, 0);
    assert.equal((await bob.emit('offer:accept', { offerId: second.offerId })).ok, true);
    assert.equal(alice.received.filter((r) => r.name === 'offer:new').length, 1);
  });

  it('re-offers an expired offer to the next agent and sets an agent away after repeated expiries', async () => {
    await start({ ROUTING_OFFER_TIMEOUT_SECONDS: '1', ROUTING_MAX_CONSECUTIVE_EXPIRIES: '2' });
    const team = await createTeam(running, 'Service');
    const sleepy = await agent({ email: 'sleepy@test.omnihub', teamIds: [team] });
    const first = await ingestSms(running, '+8613800000103');
    const offer1 = await sleepy.next('offer:new', offerFor(first));
    await sleepy.next('offer:revoked', (p) => p.offerId === offer1.offerId && p.reason === 'expired');
    // Alone in the team, the agent is offered it again after a pause; a second expiry sets them away.
    const offer2 = await sleepy.next(
      'offer:new',
      (p) => offerFor(first)(p) && p.offerId !== offer1.offerId,
      15_000,
    );
    await sleepy.next('offer:revoked', (p) => p.offerId === offer2.offerId && p.reason === 'expired');
    const away = await sleepy.next(
      'agent:updated',
      (p) => p.agentId === sleepy.agentId && p.status === 'away',
    );
    assert.equal(away.status, 'away');
    const awake = await agent({ email: 'awake@test.omnihub', teamIds: [team] });
    const offer3 = await awake.next('offer:new', offerFor(first), 15_000);
    assert.equal((await awake.emit('offer:accept', { offerId: offer3.offerId })).ok, true);
  });

  it('never offers beyond an agent’s capacity on a channel, and offers the waiting conversation when a slot frees', async () => {
    await start();
    const team = await createTeam(running, 'Service');
    const solo = await agent({ email: 'solo@test.omnihub', teamIds: [team], capacity: { messaging: 1 } });
    const c1 = await ingestSms(running, '+8613800000104');
    const c2 = await ingestSms(running, '+8613800000105');
    const o1 = await solo.next('offer:new', offerFor(c1));
    await new Promise((resolve) => setTimeout(resolve, 800));
    assert.equal(
      solo.received.filter((r) => r.name === 'offer:new').length,
      1,
      'second one waits in the queue',
    );
    await solo.emit('offer:accept', { offerId: o1.offerId });
    const queue = await call(running.baseUrl, 'GET', `/api/routing/queue?teamId=${team}`, {
      token: solo.token,
    });
    assert.deepEqual(
      queue.body.items.map((c: { id: string }) => c.id),
      [c2],
    );
    // Resolving the first frees the slot: the second is offered.
    const resolved = await call(running.baseUrl, 'POST', `/api/conversations/${c1}/status`, {
      token: solo.token,
      body: { status: 'resolved' },
    });
    assert.equal(resolved.status, 200);
    await solo.next('offer:new', offerFor(c2));
    const log = await running.hub.routing.models.RoutingLog.find({
      agentId: solo.agentId,
      kind: 'reserved',
    }).lean();
    assert.ok(log.every((entry) => entry.loadAfter <= 1));
  });

  it('offers work that needs a skill and a language only to agents who have both', async () => {
    await start();
    const team = await createTeam(running, 'Service');
    const supervisor = await agent({
      email: 'sup@test.omnihub',
      teamIds: [team],
      role: 'supervisor',
      online: false,
    });
    const conversationId = await ingestSms(running, '+8613800000106');
    const tagged = await call(running.baseUrl, 'POST', `/api/conversations/${conversationId}/tags`, {
      token: supervisor.token,
      body: { add: ['skill:billing', 'lang:zh'], remove: [] },
    });
    assert.equal(tagged.status, 200);
    const conversation = await running.hub.conversations.models.Conversation.findById(conversationId).lean();
    const routing = conversation!.routing as { requiredSkills?: string[]; language?: string };
    assert.deepEqual(routing.requiredSkills, ['billing']);
    assert.equal(routing.language, 'zh');
    // Longest idle would pick these first, but each lacks something.
    const english = await agent({
      email: 'en@test.omnihub',
      teamIds: [team],
      skills: ['billing'],
      languages: ['en'],
    });
    const unskilled = await agent({ email: 'zh@test.omnihub', teamIds: [team], languages: ['zh-CN'] });
    const qualified = await agent({
      email: 'billing@test.omnihub',
      teamIds: [team],
      skills: ['billing', 'refunds'],
      languages: ['zh-CN', 'en'],
    });
    await qualified.next('offer:new', offerFor(conversationId));
    assert.equal(english.received.filter((r) => r.name === 'offer:new').length, 0);
    assert.equal(unskilled.received.filter((r) => r.name === 'offer:new').length, 0);
  });

  it('serves urgent complaints before older normal work', async () => {
    await start();
    const team = await createTeam(running, 'Service');
    const normal = await ingestSms(running, '+8613800000109');
    const complaint = await ingestSms(running, '+8613800000110');
    const supervisor = await agent({
      email: 'sup2@test.omnihub',
      teamIds: [team],
      role: 'supervisor',
      online: false,
    });
    for (const [what, value] of [
      ['priority', 'urgent'],
      ['category', 'complaint'],
    ] as const) {
      const res = await call(running.baseUrl, 'POST', `/api/conversations/${complaint}/${what}`, {
        token: supervisor.token,
        body: { [what]: value },
      });
      assert.equal(res.status, 200);
    }
    const queued = await call(running.baseUrl, 'GET', `/api/routing/queue?teamId=${team}`, {
      token: supervisor.token,
    });
    assert.deepEqual(
      queued.body.items.map((c: { id: string }) => c.id),
      [complaint, normal],
    );
    const alice = await agent({ email: 'alice@test.omnihub', teamIds: [team], capacity: { messaging: 1 } });
    await alice.next('offer:new', offerFor(complaint));
  });

  it('after the disconnect grace, puts the agent offline and gives unanswered work to another agent', async () => {
    await start({ ROUTING_DISCONNECT_GRACE_SECONDS: '1' });
    const team = await createTeam(running, 'Service');
    const leaver = await agent({ email: 'leaver@test.omnihub', teamIds: [team] });
    const conversationId = await ingestSms(running, '+8613800000111');
    const offer = await leaver.next('offer:new', offerFor(conversationId));
    await leaver.emit('offer:accept', { offerId: offer.offerId });
    const stayer = await agent({ email: 'stayer@test.omnihub', teamIds: [team] });
    leaver.close();
    const reoffer = await stayer.next('offer:new', offerFor(conversationId), 15_000);
    await stayer.emit('offer:accept', { offerId: reoffer.offerId });
    const presence = await running.hub.routing.models.Presence.findById(leaver.agentId).lean();
    assert.equal(presence?.status, 'offline');
    assert.equal(presence?.load.messaging, 0);
    const conversation = await running.hub.conversations.models.Conversation.findById(conversationId).lean();
    assert.equal(conversation?.assigneeId, stayer.agentId);
  });

  it('transfers to another team with a note and to an agent, keeping the history', async () => {
    await start();
    const service = await createTeam(running, 'Service');
    const complaints = await createTeam(running, 'Complaints');
    const alice = await agent({ email: 'alice@test.omnihub', teamIds: [service] });
    const carol = await agent({ email: 'carol@test.omnihub', teamIds: [complaints] });
    const conversationId = await ingestSms(running, '+8613800000112');
    const offer = await alice.next('offer:new', offerFor(conversationId));
    await alice.emit('offer:accept', { offerId: offer.offerId });
    const moved = await call(
      running.baseUrl,
      'POST',
      `/api/routing/conversations/${conversationId}/transfer`,
      {
        token: alice.token,
        body: { teamId: complaints, note: 'Customer wants to file a complaint about the refund.' },
      },
    );
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    const offerToCarol = await carol.next('offer:new', offerFor(conversationId));
    await carol.emit('offer:accept', { offerId: offerToCarol.offerId });
    const timeline = await call(running.baseUrl, 'GET', `/api/conversations/${conversationId}/timeline`, {
      token: carol.token,
    });
    const kinds = timeline.body.items.map(
      (m: { kind: string; text?: string }) => `${m.kind}:${m.text ?? ''}`,
    );
    assert.ok(kinds.includes('message:hello'));
    assert.ok(kinds.includes('note:Customer wants to file a complaint about the refund.'));
    assert.equal((await loadOf(running, alice.agentId))?.messaging, 0);
    // Direct transfer to an agent (the assignee hands it over).
    const back = await call(
      running.baseUrl,
      'POST',
      `/api/routing/conversations/${conversationId}/transfer`,
      {
        token: carol.token,
        body: { agentId: alice.agentId },
      },
    );
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.equal(back.body.assigneeId, alice.agentId);
    assert.equal((await loadOf(running, carol.agentId))?.messaging, 0);
    assert.equal((await loadOf(running, alice.agentId))?.messaging, 1);
    // An agent who is not the assignee cannot transfer it.
    const denied = await call(
      running.baseUrl,
      'POST',
      `/api/routing/conversations/${conversationId}/transfer`,
      {
        token: carol.token,
        body: { teamId: service },
      },
    );
    assert.ok([403, 404].includes(denied.status));
  });

  it('lets agents pick from the queue of a manual team, and only once', async () => {
    await start();
    const team = await createTeam(running, 'Manual', { routingStrategy: 'manual' });
    const alice = await agent({ email: 'alice@test.omnihub', teamIds: [team] });
    const bob = await agent({ email: 'bob@test.omnihub', teamIds: [team] });
    const conversationId = await ingestSms(running, '+8613800000113');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(
      alice.received.filter((r) => r.name === 'offer:new').length,
      0,
      'no offers in a manual team',
    );
    const [a, b] = await Promise.all([
      call(running.baseUrl, 'POST', `/api/routing/queue/${conversationId}/pick`, { token: alice.token }),
      call(running.baseUrl, 'POST', `/api/routing/queue/${conversationId}/pick`, { token: bob.token }),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [200, 409]);
    const winner = a.status === 200 ? alice : bob;
    const conversation = await running.hub.conversations.models.Conversation.findById(conversationId).lean();
    assert.equal(conversation?.assigneeId, winner.agentId);
  });

  it('auto-accepts when configured', async () => {
    await start({ ROUTING_AUTO_ACCEPT: '1' });
    const team = await createTeam(running, 'Service');
    const alice = await agent({ email: 'alice@test.omnihub', teamIds: [team] });
    const conversationId = await ingestSms(running, '+8613800000114');
    const assigned = await alice.next(
      'conversation:assigned',
      (p) => (p.conversation as { id: string }).id === conversationId,
    );
    assert.equal(assigned.assigneeId, alice.agentId);
  });

  it('shows supervisors the live view and refuses it to agents', async () => {
    await start();
    const team = await createTeam(running, 'Service');
    const alice = await agent({ email: 'alice@test.omnihub', teamIds: [team], capacity: { messaging: 1 } });
    const supervisor = await agent({
      email: 'sup@test.omnihub',
      teamIds: [team],
      role: 'supervisor',
      online: false,
    });
    const c1 = await ingestSms(running, '+8613800000115');
    await ingestSms(running, '+8613800000116');
    const offer = await alice.next('offer:new', offerFor(c1));
    const live = await call(running.baseUrl, 'GET', '/api/routing/live', { token: supervisor.token });
    assert.deepEqual(live.body.assigned, [], "an offered conversation is nobody's yet");
    assert.equal(live.status, 200);
    const queue = live.body.queues.find((q: { teamId: string }) => q.teamId === team);
    assert.equal(queue.depth, 2);
    assert.equal(live.body.offers.length, 1);
    assert.deepEqual(
      live.body.agents.find((a: { agentId: string }) => a.agentId === alice.agentId).load.messaging,
      1,
    );
    assert.equal((await alice.emit('offer:accept', { offerId: offer.offerId })).ok, true);
    const after = await call(running.baseUrl, 'GET', '/api/routing/live', { token: supervisor.token });
    assert.deepEqual(
      after.body.assigned.map((c: { conversationId: string; agentId: string; channel: string }) => [
        c.conversationId,
        c.agentId,
        c.channel,
      ]),
      [[c1, alice.agentId, 'sms']],
      "the agent's current conversation",
    );
    assert.equal(
      (await call(running.baseUrl, 'GET', '/api/routing/live', { token: alice.token })).status,
      403,
    );
  });

  it('refuses invalid socket payloads without dropping the connection', async () => {
    await start();
    const team = await createTeam(running, 'Service');
    const alice = await agent({ email: 'alice@test.omnihub', teamIds: [team] });
    const bad = await alice.emit('offer:accept', { offerId: { $gt: '' } });
    assert.equal(bad.ok, false);
    assert.equal((bad.error as { code: string }).code, 'INVALID_INPUT');
    const badPresence = await alice.emit('presence:set', { status: 'sleeping' });
    assert.equal(badPresence.ok, false);
    assert.equal(alice.socket.connected, true);
  });
});
