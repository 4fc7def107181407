import assert from 'node:assert/strict';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { createWebchatSimulatorRouter } from '../../connectors/webchat/webchat-simulator';
import { createManualClock } from '../../server/lib/clock';
import { startTestHub, testConfig, type RunningTestHub } from '../support/test-stack';
import { connectVisitor } from '../support/webchat-visitor';

describe('web chat business hours and the demo shop page', function () {
  this.timeout(60_000);
  let running: RunningTestHub;
  // Sunday 2026-12-06 12:00 in Shanghai: the office is closed until Monday 09:00 (01:00 UTC).
  const clock = createManualClock(new Date('2026-12-06T04:00:00Z'));
  before(async () => {
    running = await startTestHub({ clock });
    const day = [{ start: '09:00', end: '18:00' }];
    const calendar = await running.hub.sla.admin.createCalendar({
      name: 'Shanghai office',
      timezone: 'Asia/Shanghai',
      weekly: { mon: day, tue: day, wed: day, thu: day, fri: day },
      holidays: [],
    });
    const team = await running.hub.agents.agents.createTeam(
      { name: 'Office', calendarId: calendar.id },
      null,
    );
    await running.hub.channels.inboxes.create({
      name: 'Office chat',
      channel: 'webchat',
      address: 'office',
      teamId: team.id,
    });
  });
  after(async () => running?.close());

  it('tells the visitor when the team is back outside business hours, and that it is open inside them', async () => {
    const closed = await connectVisitor(running.baseUrl, { inbox: 'office' });
    assert.deepEqual(closed.session().hours, { open: false, nextOpening: '2026-12-07T01:00:00.000Z' });
    closed.close();
    clock.set(new Date('2026-12-07T02:00:00Z'));
    const open = await connectVisitor(running.baseUrl, { inbox: 'office' });
    assert.deepEqual(open.session().hours, { open: true, nextOpening: null });
    open.close();
  });

  it('shows a queued visitor their place in the queue, without a wait estimate when there is no history', async () => {
    // No agent is online: both conversations wait in the office team's queue, oldest first.
    const first = await connectVisitor(running.baseUrl, { inbox: 'office' });
    const second = await connectVisitor(running.baseUrl, { inbox: 'office' });
    assert.equal((await first.send('first in line')).ok, true);
    clock.advance(1_000);
    assert.equal((await second.send('second in line')).ok, true);
    const place = async (visitor: typeof first) => {
      const answer = await visitor.emit('queue:get', {});
      return answer.queue as { position: number; depth: number; expectedWait: unknown } | null;
    };
    try {
      const until = Date.now() + 15_000;
      while (!(await place(second)) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      // The team never assigned anything: no history to estimate a wait from, and none is invented.
      assert.deepEqual(await place(first), { position: 1, depth: 2, expectedWait: null });
      assert.deepEqual(await place(second), { position: 2, depth: 2, expectedWait: null });
    } finally {
      first.close();
      second.close();
    }
  });

  it('shows the complaint acknowledgement with the promised response time in the chat', async () => {
    await running.hub.sla.admin.createPolicy({
      name: 'Complaints',
      order: 1,
      isDefault: true,
      conditions: { categories: ['complaint'] },
      targets: { firstResponse: 60 },
    } as never);
    await running.hub.channels.inboxes.create({
      name: 'Complaints chat',
      channel: 'webchat',
      address: 'complaints',
      credentials: { prechat: '[{"key":"name"},{"key":"category","options":["complaint","inquiry"]}]' },
    });
    const visitor = await connectVisitor(running.baseUrl, { inbox: 'complaints' });
    try {
      const profile = await visitor.emit('profile:set', { name: 'Wang', fields: { category: 'complaint' } });
      assert.equal(profile.ok, true);
      const sent = await visitor.send('The kettle arrived broken!');
      const conversationId = (sent.message as { conversationId: string }).conversationId;
      const conversation = await running.hub.conversations.conversations.findConversation(conversationId);
      assert.equal(conversation?.category, 'complaint');
      const ack = await visitor.waitFor('complaint acknowledgement', () =>
        visitor.messages.find((m) => m.from === 'agent' && m.text.includes(String(conversation.number))),
      );
      assert.match(ack.text, /you will hear from us by/);
    } finally {
      visitor.close();
    }
  });

  it('serves the demo shop page with the widget script tag under a strict CSP', async () => {
    const app = express();
    app.use('/simulator/webchat', createWebchatSimulatorRouter({ config: testConfig({ SEED_DEMO: '1' }) }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/simulator/webchat`;
    try {
      const page = await fetch(`${base}/`);
      const csp = page.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline/);
      const html = await page.text();
      assert.match(html, /<script src="\/widget\.js\?inbox=demo"><\/script>/);
      assert.doesNotMatch(html, /<script>|style="/);
      const signedIn = await (await fetch(`${base}/signed-in`)).text();
      assert.match(signedIn, /data-identifier="shopper@example.com" data-identifier-hash="[0-9a-f]{64}"/);
    } finally {
      server.close();
    }
  });
});
