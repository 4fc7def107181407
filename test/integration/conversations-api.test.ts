import assert from 'node:assert/strict';
import { Types } from 'mongoose';
import { OUTBOUND_QUEUE, sendJobId } from '../../server/modules/outbound';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { call, createTeam, email, inbound, loginAs, nextId } from './conversations-support';

describe('conversation API', () => {
  let running: RunningTestHub;
  let teamA: string;
  let teamB: string;
  let agentA: { token: string; agentId: string };
  let agentB: { token: string; agentId: string };
  let supervisor: { token: string; agentId: string };
  /** Conversation ids by name. */
  const ids = {} as Record<'sms' | 'mail' | 'complaint' | 'chat' | 'tg', string>;

  const get = (path: string, token = supervisor.token) => call(running.baseUrl, 'GET', path, { token });
  const post = (path: string, body: unknown, token = supervisor.token) =>
    call(running.baseUrl, 'POST', path, { token, body });

  before(async () => {
    // Workers off: enqueued sends stay in the queue, where the tests look for them.
    running = await startTestHub({ runWorkers: false });
    teamA = await createTeam(running, 'Service A');
    teamB = await createTeam(running, 'Complaints');
    agentA = await loginAs(running, { email: 'a@test.omnihub', teamIds: [teamA] });
    agentB = await loginAs(running, { email: 'b@test.omnihub', teamIds: [teamB] });
    supervisor = await loginAs(running, { email: 'sup@test.omnihub', role: 'supervisor' });
    const ingest = running.hub.ingest;
    const base = Date.UTC(2026, 10, 20, 8);
    const at = (minutes: number) => new Date(base + minutes * 60_000);
    ids.sms = (
      await ingest.ingest(
        inbound({
          from: { externalId: '+8613812345678', phone: '+8613812345678', name: '张伟' },
          text: '快递还没到',
          occurredAt: at(1),
        }),
      )
    ).conversationId;
    ids.mail = (
      await ingest.ingest(
        email('grace@example.com', {
          subject: 'Invoice question',
          text: 'Where is my invoice?',
          occurredAt: at(2),
        }),
      )
    ).conversationId;
    ids.complaint = (
      await ingest.ingest(
        inbound({
          channel: 'whatsapp',
          inboxId: 'inbox-wa',
          from: { externalId: '+8613900001111', phone: '+8613900001111', name: 'Li Na' },
          text: 'The blender exploded',
          hints: { category: 'complaint', priority: 'urgent' },
          occurredAt: at(3),
        }),
      )
    ).conversationId;
    ids.chat = (
      await ingest.ingest(
        inbound({
          channel: 'webchat',
          inboxId: 'inbox-web',
          from: { externalId: 'visitor-1', name: 'Visitor' },
          text: 'hi',
          occurredAt: at(4),
        }),
      )
    ).conversationId;
    ids.tg = (
      await ingest.ingest(
        inbound({
          channel: 'telegram',
          inboxId: 'inbox-tg',
          from: { externalId: 'tg-77', name: 'Bob' },
          text: 'price?',
          occurredAt: at(5),
        }),
      )
    ).conversationId;
    const conversations = running.hub.conversations.conversations;
    await conversations.assign(ids.sms, { assigneeId: null, teamId: teamA });
    await conversations.assign(ids.mail, { assigneeId: agentA.agentId, teamId: teamA });
    await conversations.assign(ids.complaint, { assigneeId: null, teamId: teamB });
    // Routing queues new conversations in a default team: place the others explicitly.
    await conversations.assign(ids.chat, { assigneeId: null, teamId: teamB });
    await conversations.assign(ids.tg, { assigneeId: null, teamId: teamB });
  });
  after(async () => {
    await running?.close();
  });

  it('answers 401 without a token', async () => {
    assert.equal((await call(running.baseUrl, 'GET', '/api/conversations')).status, 401);
    assert.equal((await call(running.baseUrl, 'GET', `/api/conversations/${ids.sms}`)).status, 401);
  });

  it('shows an agent only the conversations of their teams, a supervisor all', async () => {
    const mine = await get('/api/conversations', agentA.token);
    assert.equal(mine.status, 200);
    assert.deepEqual(new Set(mine.body.items.map((c: { id: string }) => c.id)), new Set([ids.sms, ids.mail]));
    const all = await get('/api/conversations');
    assert.equal(all.body.items.length, 5);
    assert.equal((await get(`/api/conversations/${ids.complaint}`, agentA.token)).status, 404);
    assert.equal((await get(`/api/conversations/${ids.complaint}/timeline`, agentA.token)).status, 404);
    assert.equal(
      (await post(`/api/conversations/${ids.complaint}/messages`, { text: 'x' }, agentA.token)).status,
      404,
    );
    assert.equal((await get(`/api/conversations/${ids.complaint}`, agentB.token)).status, 200);
    const full = await get(`/api/conversations/${ids.complaint}`);
    assert.equal(full.status, 200);
    assert.equal(full.body.contact.name, 'Li Na');
    assert.equal(full.body.category, 'complaint');
  });

  it('lets an agent see a conversation assigned to them outside their teams', async () => {
    await running.hub.conversations.conversations.assign(ids.tg, { assigneeId: agentB.agentId });
    assert.equal((await get(`/api/conversations/${ids.tg}`, agentB.token)).status, 200);
    const list = await get('/api/conversations?assignee=me', agentB.token);
    assert.deepEqual(
      list.body.items.map((c: { id: string }) => c.id),
      [ids.tg],
    );
    await running.hub.conversations.conversations.assign(ids.tg, { assigneeId: null });
  });

  it('filters the list by status, channel, category, priority, assignee and team', async () => {
    const pick = async (query: string) =>
      new Set((await get(`/api/conversations?${query}`)).body.items.map((c: { id: string }) => c.id));
    assert.deepEqual(await pick('channel=email'), new Set([ids.mail]));
    assert.deepEqual(await pick('category=complaint'), new Set([ids.complaint]));
    assert.deepEqual(await pick('priority=urgent'), new Set([ids.complaint]));
    assert.deepEqual(await pick(`assignee=${agentA.agentId}`), new Set([ids.mail]));
    assert.deepEqual(await pick(`team=${teamA}`), new Set([ids.sms, ids.mail]));
    assert.deepEqual(await pick(`team=${teamB}`), new Set([ids.complaint, ids.chat, ids.tg]));
    assert.deepEqual(await pick('team=none'), new Set());
    const mineByTeam = await get('/api/conversations?team=me', agentA.token);
    assert.deepEqual(
      new Set(mineByTeam.body.items.map((c: { id: string }) => c.id)),
      new Set([ids.sms, ids.mail]),
    );
    assert.equal((await pick('status=new,open')).size, 5);
    assert.equal((await pick('status=resolved')).size, 0);
  });

  it('searches by number, subject, message text, contact name and phone', async () => {
    const number = (await get(`/api/conversations/${ids.complaint}`)).body.number as number;
    const search = async (q: string) =>
      (await get(`/api/conversations?q=${encodeURIComponent(q)}`)).body.items.map(
        (c: { id: string }) => c.id,
      );
    assert.deepEqual(await search(`#${number}`), [ids.complaint]);
    assert.deepEqual(await search(String(number)), [ids.complaint]);
    assert.deepEqual(await search('invoice question'), [ids.mail]);
    assert.deepEqual(await search('blender'), [ids.complaint]);
    assert.deepEqual(await search('张伟'), [ids.sms]);
    assert.deepEqual(await search('+8613812345678'), [ids.sms]);
    assert.deepEqual(await search('grace@example.com'), [ids.mail]);
    assert.deepEqual(await search('no such thing anywhere'), []);
    // Search respects visibility.
    const asA = await get(`/api/conversations?q=blender`, agentA.token);
    assert.deepEqual(asA.body.items, []);
  });

  it('pages the list by cursor, newest activity first, without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string; lastMessageAt: string }[]; nextCursor: string | null } } =
        await get(`/api/conversations?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.body.items.map((c) => c.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, [ids.tg, ids.chat, ids.complaint, ids.mail, ids.sms]);
    assert.equal((await get('/api/conversations?cursor=not-a-cursor')).status, 400);
  });

  it('rejects operator objects and unknown fields in queries and bodies with 400', async () => {
    assert.equal((await get('/api/conversations?status[$ne]=x')).status, 400);
    assert.equal((await get('/api/conversations?q[$regex]=.*')).status, 400);
    assert.equal((await post(`/api/conversations/${ids.sms}/status`, { status: { $ne: null } })).status, 400);
    assert.equal((await post(`/api/conversations/${ids.sms}/messages`, { text: { $gt: '' } })).status, 400);
    assert.equal(
      (await post(`/api/conversations/${ids.sms}/assign`, { assigneeId: { $ne: null } })).status,
      400,
    );
    assert.equal((await post(`/api/conversations/${ids.sms}/tags`, { add: [{ $where: '1' }] })).status, 400);
    assert.equal((await get('/api/conversations/not-an-id')).status, 400);
    const body = await call(running.baseUrl, 'POST', `/api/conversations/${ids.sms}/priority`, {
      token: supervisor.token,
      rawBody: '{"priority": {"$in": ["urgent"]}}',
    });
    assert.equal(body.status, 400);
    assert.equal(body.body.error.code, 'INVALID_INPUT');
  });

  it('stores a reply as queued, enqueues it for sending and records the first human response', async () => {
    const reply = await post(
      `/api/conversations/${ids.sms}/messages`,
      { text: '您好，我们马上处理' },
      agentA.token,
    );
    assert.equal(reply.status, 201);
    assert.equal(reply.body.status, 'queued');
    assert.equal(reply.body.direction, 'outbound');
    assert.equal(reply.body.channel, 'sms');
    assert.equal(reply.body.inboxId, 'inbox-sms');
    assert.equal(reply.body.authorId, agentA.agentId);
    const job = await running.hub.queues.queue(OUTBOUND_QUEUE).getJob(sendJobId(reply.body.id, 0));
    assert.ok(job, 'a send job was queued');
    const conversation = (await get(`/api/conversations/${ids.sms}`)).body;
    assert.equal(conversation.status, 'open');
    assert.ok(conversation.metrics.firstHumanResponseAt);
  });

  it('stores an internal note that is never enqueued for sending', async () => {
    const before = (await get(`/api/conversations/${ids.chat}`)).body;
    const note = await post(`/api/conversations/${ids.chat}/messages`, {
      text: 'VIP, be nice',
      private: true,
    });
    assert.equal(note.status, 201);
    assert.equal(note.body.direction, 'internal');
    assert.equal(note.body.kind, 'note');
    assert.equal(note.body.status, undefined);
    assert.equal(await running.hub.queues.queue(OUTBOUND_QUEUE).getJob(sendJobId(note.body.id, 0)), null);
    const after = (await get(`/api/conversations/${ids.chat}`)).body;
    assert.equal(after.metrics.firstHumanResponseAt, null);
    assert.equal(after.status, before.status);
  });

  it('orders the timeline by provider time then sequence and pages it both ways by sequence', async () => {
    const from = { externalId: '+8613800005555' };
    const t0 = Date.UTC(2026, 10, 21, 9);
    const first = await running.hub.ingest.ingest(
      inbound({ from, text: 't1', occurredAt: new Date(t0 + 1000) }),
    );
    await running.hub.ingest.ingest(inbound({ from, text: 't3', occurredAt: new Date(t0 + 3000) }));
    // Delivered late, written earlier: it sorts before t3 though its sequence is higher.
    await running.hub.ingest.ingest(inbound({ from, text: 't2', occurredAt: new Date(t0 + 2000) }));
    await running.hub.ingest.ingest(inbound({ from, text: 't4', occurredAt: new Date(t0 + 4000) }));
    await running.hub.ingest.ingest(inbound({ from, text: 't5', occurredAt: new Date(t0 + 5000) }));
    const path = `/api/conversations/${first.conversationId}/timeline`;
    const all = (await get(path)).body.items;
    assert.deepEqual(
      all.map((m: { text: string }) => m.text),
      ['t1', 't2', 't3', 't4', 't5'],
    );
    assert.deepEqual(
      all.map((m: { seq: number }) => m.seq),
      [1, 3, 2, 4, 5],
    );
    const latest = (await get(`${path}?limit=2`)).body;
    assert.deepEqual(
      latest.items.map((m: { text: string }) => m.text),
      ['t4', 't5'],
    );
    assert.equal(latest.hasMore, true);
    const older = (await get(`${path}?limit=2&before=${latest.items[0].seq}`)).body;
    assert.deepEqual(
      older.items.map((m: { text: string }) => m.text),
      ['t2', 't3'],
    );
    const oldest = (await get(`${path}?limit=2&before=${older.items[0].seq}`)).body;
    assert.deepEqual(
      oldest.items.map((m: { text: string }) => m.text),
      ['t1'],
    );
    assert.equal(oldest.hasMore, false);
    const newer = (await get(`${path}?limit=3&after=${oldest.items[0].seq}`)).body;
    assert.deepEqual(
      newer.items.map((m: { text: string }) => m.text),
      ['t2', 't3', 't4'],
    );
    assert.equal((await get(`${path}?after=1&before=2`)).status, 400);
  });

  it('moves delivery status forward only', async () => {
    const reply = await post(
      `/api/conversations/${ids.mail}/messages`,
      { text: 'Your invoice is attached' },
      agentA.token,
    );
    assert.equal(reply.body.channel, 'email');
    assert.match(reply.body.subject, /^Re: Invoice question \[#\d+\]$/);
    const timeline = running.hub.conversations.timeline;
    const externalId = nextId('SES');
    await timeline.markSent(reply.body.id, externalId);
    await running.hub.ingest.updateStatus({
      channel: 'email',
      inboxId: 'inbox-email',
      externalId,
      status: 'delivered',
      occurredAt: new Date(),
    });
    await running.hub.ingest.updateStatus({
      channel: 'email',
      inboxId: 'inbox-email',
      externalId,
      status: 'sent',
      occurredAt: new Date(),
    });
    await running.hub.ingest.updateStatus({
      channel: 'email',
      inboxId: 'inbox-email',
      externalId,
      status: 'failed',
      occurredAt: new Date(),
      error: { code: 'X', message: 'late failure' },
    });
    assert.equal((await timeline.getMessage(reply.body.id)).status, 'delivered');
    await running.hub.ingest.updateStatus({
      channel: 'email',
      inboxId: 'inbox-email',
      externalId,
      status: 'read',
      occurredAt: new Date(),
    });
    assert.equal((await timeline.getMessage(reply.body.id)).status, 'read');
    await running.hub.ingest.updateStatus({
      channel: 'email',
      inboxId: 'inbox-email',
      externalId,
      status: 'delivered',
      occurredAt: new Date(),
    });
    const stored = await timeline.getMessage(reply.body.id);
    assert.equal(stored.status, 'read');
    assert.equal(stored.externalId, externalId);
  });

  it('applies a delivery report that arrived before the provider id was recorded', async () => {
    const reply = await post(
      `/api/conversations/${ids.sms}/messages`,
      { text: 'fast callback' },
      agentA.token,
    );
    const externalId = nextId('SMfast');
    await running.hub.ingest.updateStatus({
      channel: 'sms',
      inboxId: 'inbox-sms',
      externalId,
      status: 'delivered',
      occurredAt: new Date(),
    });
    assert.equal((await running.hub.conversations.timeline.getMessage(reply.body.id)).status, 'queued');
    const sent = await running.hub.conversations.timeline.markSent(reply.body.id, externalId);
    assert.equal(sent?.status, 'delivered');
    assert.equal(sent?.externalId, externalId);
  });

  it('retries a failed outbound message: queued again and enqueued again', async () => {
    const reply = await post(`/api/conversations/${ids.sms}/messages`, { text: 'second try' }, agentA.token);
    assert.equal((await post(`/api/messages/${reply.body.id}/retry`, {}, agentA.token)).status, 409);
    await running.hub.conversations.timeline.markFailed(reply.body.id, {
      code: '21610',
      message: 'Unsubscribed recipient',
    });
    const failed = await running.hub.conversations.timeline.getMessage(reply.body.id);
    assert.equal(failed.status, 'failed');
    const retried = await post(`/api/messages/${reply.body.id}/retry`, {}, agentA.token);
    assert.equal(retried.status, 200);
    assert.equal(retried.body.status, 'queued');
    assert.equal(retried.body.error, null);
    assert.ok(await running.hub.queues.queue(OUTBOUND_QUEUE).getJob(sendJobId(reply.body.id, 1)));
    assert.equal((await post(`/api/messages/${reply.body.id}/retry`, {}, agentB.token)).status, 404);
  });

  it('changes status along the lifecycle and refuses what the lifecycle forbids', async () => {
    const id = ids.tg;
    const resolved = await post(`/api/conversations/${id}/status`, { status: 'resolved' });
    assert.equal(resolved.status, 200);
    assert.ok(resolved.body.metrics.resolvedAt);
    const until = new Date(Date.now() + 3600_000).toISOString();
    assert.equal(
      (await post(`/api/conversations/${id}/status`, { status: 'snoozed', snoozedUntil: until })).status,
      409,
    );
    assert.equal(
      (await post(`/api/conversations/${id}/status`, { status: 'open' })).body.metrics.reopenCount,
      1,
    );
    assert.equal((await post(`/api/conversations/${id}/status`, { status: 'snoozed' })).status, 400);
    const snoozed = await post(`/api/conversations/${id}/status`, { status: 'snoozed', snoozedUntil: until });
    assert.equal(snoozed.body.snoozedUntil, until);
    assert.equal((await post(`/api/conversations/${id}/status`, { status: 'closed' })).body.status, 'closed');
    assert.equal((await post(`/api/conversations/${id}/status`, { status: 'open' })).status, 409);
    assert.equal((await post(`/api/conversations/${id}/messages`, { text: 'hello?' })).status, 409);
    assert.equal(
      (await post(`/api/conversations/${id}/messages`, { text: 'closed, noted', private: true })).status,
      201,
    );
    assert.equal((await post(`/api/conversations/${id}/status`, { status: 'new' })).status, 400);
  });

  it('assigns, sets priority, category, tags and CSAT, each emitting a domain event', async () => {
    const seen: string[] = [];
    const offs = [
      running.hub.events.on('conversation.assigned', (e) => void seen.push(`assigned:${e.assigneeId}`)),
      running.hub.events.on('conversation.updated', (e) => void seen.push(`updated:${e.changes.join(',')}`)),
    ];
    const id = ids.chat;
    const assigned = await post(`/api/conversations/${id}/assign`, {
      assigneeId: agentB.agentId,
      teamId: teamB,
    });
    assert.equal(assigned.body.assigneeId, agentB.agentId);
    assert.equal(assigned.body.routing.state, 'assigned');
    assert.equal(
      (await post(`/api/conversations/${id}/priority`, { priority: 'high' })).body.priority,
      'high',
    );
    assert.equal(
      (await post(`/api/conversations/${id}/category`, { category: 'suggestion' })).body.category,
      'suggestion',
    );
    const tagged = await post(`/api/conversations/${id}/tags`, { add: ['vip', 'refund'], remove: [] });
    assert.deepEqual(tagged.body.tags.sort(), ['refund', 'vip']);
    assert.deepEqual((await post(`/api/conversations/${id}/tags`, { remove: ['refund'] })).body.tags, [
      'vip',
    ]);
    assert.equal((await post(`/api/conversations/${id}/csat`, { score: 6 })).status, 400);
    assert.equal(
      (await post(`/api/conversations/${id}/csat`, { score: 5, comment: '很好' })).body.csat.score,
      5,
    );
    assert.equal((await post(`/api/conversations/${id}/assign`, { assigneeId: nextId() })).status, 400);
    const unknownAgent = new Types.ObjectId().toHexString();
    assert.equal((await post(`/api/conversations/${id}/assign`, { assigneeId: unknownAgent })).status, 400);
    for (const off of offs) off();
    assert.deepEqual(seen, [
      `assigned:${agentB.agentId}`,
      'updated:priority',
      'updated:category',
      'updated:tags',
      'updated:tags',
      'updated:csat',
    ]);
  });

  it('lists every conversation of a contact (contact 360) by cursor', async () => {
    const from = { externalId: '+8613800007777', phone: '+8613800007777' };
    const first = await running.hub.ingest.ingest(inbound({ from }));
    await running.hub.conversations.conversations.assign(first.conversationId, {
      assigneeId: null,
      teamId: teamB,
    });
    await running.hub.conversations.conversations.setStatus(first.conversationId, { status: 'closed' });
    const second = await running.hub.ingest.ingest(inbound({ from }));
    await running.hub.conversations.conversations.assign(second.conversationId, {
      assigneeId: null,
      teamId: teamB,
    });
    const contactId = (await running.hub.conversations.conversations.getConversation(first.conversationId))
      .contactId;
    const page1 = await get(`/api/contacts/${contactId}/conversations?limit=1`);
    assert.equal(page1.status, 200);
    assert.deepEqual(
      page1.body.items.map((c: { id: string }) => c.id),
      [second.conversationId],
    );
    const page2 = await get(
      `/api/contacts/${contactId}/conversations?limit=1&cursor=${page1.body.nextCursor}`,
    );
    assert.deepEqual(
      page2.body.items.map((c: { id: string }) => c.id),
      [first.conversationId],
    );
    assert.equal(page2.body.nextCursor, null);
    assert.deepEqual((await get(`/api/contacts/${contactId}/conversations`, agentA.token)).body.items, []);
  });
});
