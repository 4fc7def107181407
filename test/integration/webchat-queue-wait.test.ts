/**
 * The expected wait a queued visitor sees: none while the team has no recent history (said so, not
 * invented), then an estimate from the team's real queue → assignment history (routing with auto-accept,
 * one chat slot, conversations resolved one after another on a manual clock), pushed live to the visitors
 * still waiting whenever the queue moves.
 */
import assert from 'node:assert/strict';
import { createManualClock } from '../../server/lib/clock';
import { connectAgent, createTeam, type TestAgent } from '../support/agent-client';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { connectVisitor, type TestVisitor } from '../support/webchat-visitor';
import { call } from './conversations-support';
import type { WidgetQueue } from '../../connectors/webchat/webchat-events';

describe('web chat expected wait while queued', function () {
  this.timeout(90_000);
  const clock = createManualClock(new Date('2026-12-07T02:00:00Z'));
  let running: RunningTestHub;
  let teamId: string;
  const visitors: TestVisitor[] = [];
  let agent: TestAgent | undefined;

  before(async () => {
    running = await startTestHub({ clock, configOverrides: { ROUTING_AUTO_ACCEPT: '1' } });
    teamId = await createTeam(running, 'Queue team');
    await running.hub.channels.inboxes.create({
      name: 'Queue chat',
      channel: 'webchat',
      address: 'queue-chat',
      teamId,
    });
  });
  after(async () => {
    for (const v of visitors) v.close();
    agent?.close();
    await running?.close();
  });

  const queueOf = async (visitor: TestVisitor) =>
    (await visitor.emit('queue:get', {})).queue as WidgetQueue | null;
  const pushes = (visitor: TestVisitor) =>
    visitor.events
      .filter((e) => e.name === 'queue')
      .map((e) => (e.payload as { queue: WidgetQueue | null }).queue);

  it('says there is no estimate without history, then estimates from recent assignments and pushes each move', async () => {
    // Five visitors write while no agent is online: all five wait, oldest first.
    const conversationIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const visitor = await connectVisitor(running.baseUrl, { inbox: 'queue-chat' });
      visitors.push(visitor);
      const sent = await visitor.send(`visitor ${i + 1} needs help`);
      assert.equal(sent.ok, true, JSON.stringify(sent));
      conversationIds.push((sent.message as { conversationId: string }).conversationId);
      clock.advance(1_000);
    }
    const [a, b, c, d, e] = visitors as [TestVisitor, TestVisitor, TestVisitor, TestVisitor, TestVisitor];
    const until = Date.now() + 15_000;
    while (!(await queueOf(e)) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(await queueOf(a), { position: 1, depth: 5, expectedWait: null });
    assert.deepEqual(await queueOf(e), { position: 5, depth: 5, expectedWait: null });

    // One agent with one chat slot: A is assigned at once (auto-accept); each resolution frees the slot
    // for the next one, two minutes apart.
    agent = await connectAgent(running, {
      email: 'queue-agent@example.com',
      teamIds: [teamId],
      capacity: { voice: 1, chat: 1, messaging: 1, email: 1 },
    });
    await a.waitFor('A leaves the queue', () => pushes(a).some((q) => q === null));
    // E is told live that it moved up (moves within 500 ms are pushed once: wait for each one).
    await e.waitFor('E moved to 4', () =>
      pushes(e).some((q) => q?.position === 4 && q.expectedWait === null),
    );
    for (const [index, next, ePosition] of [
      [0, b, 3],
      [1, c, 2],
    ] as const) {
      clock.advance(120_000);
      const resolved = await call(
        running.baseUrl,
        'POST',
        `/api/conversations/${conversationIds[index]}/status`,
        { token: agent.token, body: { status: 'resolved' } },
      );
      assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
      await next.waitFor('assigned', () => pushes(next).some((q) => q === null));
      await e.waitFor(`E moved to ${ePosition}`, () => pushes(e).some((q) => q?.position === ePosition));
    }

    // Three assignments in the last four minutes: 80 s a place. D is next, E second; both were told live.
    const pushedToD = await d.waitFor('D told it is next', () =>
      pushes(d).find((q) => q?.position === 1 && q.expectedWait),
    );
    assert.deepEqual(pushedToD, { position: 1, depth: 2, expectedWait: { seconds: 80, samples: 3 } });
    const pushedToE = await e.waitFor('E told it is second', () =>
      pushes(e).find((q) => q?.position === 2 && q.expectedWait),
    );
    assert.deepEqual(pushedToE, { position: 2, depth: 2, expectedWait: { seconds: 160, samples: 3 } });
    // The pull answers the same; with two assignments (position 3) there was no estimate yet.
    assert.deepEqual(await queueOf(e), pushedToE);
    assert.ok(pushes(e).some((q) => q?.position === 3 && q.expectedWait === null));
    // The session a reconnecting visitor gets carries it too.
    const again = await connectVisitor(running.baseUrl, { inbox: 'queue-chat', token: e.session().token });
    visitors.push(again);
    assert.deepEqual(again.session().queue, pushedToE);
  });
});
