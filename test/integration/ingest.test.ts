import assert from 'node:assert/strict';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { email, inbound, nextId } from './conversations-support';

describe('ingest (the InboundSink)', () => {
  let running: RunningTestHub;
  const messages = () => running.hub.connection.collection('messages');
  const conversations = () => running.hub.connection.collection('conversations');

  before(async () => {
    running = await startTestHub({ runWorkers: false });
  });
  after(async () => {
    await running?.close();
  });

  it('stores one message and one conversation when the same event arrives three times at once', async () => {
    const event = inbound({ from: { externalId: '+8613900000099', phone: '+8613900000099' } });
    const results = await Promise.all([1, 2, 3].map(() => running.hub.ingest.ingest({ ...event })));
    assert.equal(new Set(results.map((r) => r.messageId)).size, 1);
    assert.equal(new Set(results.map((r) => r.conversationId)).size, 1);
    assert.equal(results.filter((r) => !r.duplicate).length, 1);
    assert.equal(await messages().countDocuments({ externalId: event.externalId }), 1);
    const contactId = (await messages().findOne({ externalId: event.externalId }))!.contactId;
    assert.equal(await conversations().countDocuments({ contactId }), 1);
  });

  it('returns the stored message with duplicate: true for a later redelivery and changes nothing', async () => {
    const event = inbound({ from: { externalId: '+8613900000098', phone: '+8613900000098' } });
    const first = await running.hub.ingest.ingest(event);
    const before = await conversations().findOne({
      _id: new (await import('mongodb')).ObjectId(first.conversationId),
    });
    const again = await running.hub.ingest.ingest({ ...event, text: 'changed?' });
    assert.deepEqual(again, { ...first, duplicate: true });
    const after = await conversations().findOne({ _id: before!._id });
    assert.equal(after!.lastSeq, before!.lastSeq);
    assert.equal((await messages().findOne({ externalId: event.externalId }))!.text, 'hello');
  });

  it('keeps one running conversation when two different first messages of a new chat contact race', async () => {
    const from = { externalId: 'wx-openid-race', name: '李雷' };
    const results = await Promise.all(
      [1, 2, 3].map((i) =>
        running.hub.ingest.ingest(
          inbound({ channel: 'wechat', inboxId: 'inbox-wechat', from, text: `m${i}` }),
        ),
      ),
    );
    assert.equal(new Set(results.map((r) => r.conversationId)).size, 1);
    const seqs = (await messages().find({ conversationId: results[0]!.conversationId }).toArray()).map(
      (m) => m.seq,
    );
    assert.deepEqual(seqs.sort(), [1, 2, 3]);
  });

  it('numbers conversations from 10001 upwards', async () => {
    const a = await running.hub.ingest.ingest(inbound({ from: { externalId: '+8613700000001' } }));
    const b = await running.hub.ingest.ingest(inbound({ from: { externalId: '+8613700000002' } }));
    const [ca, cb] = await Promise.all(
      [a, b].map((r) => running.hub.conversations.conversations.getConversation(r.conversationId)),
    );
    assert.ok(ca!.number >= 10001);
    assert.ok(cb!.number > ca!.number);
  });

  it('continues the contact’s open chat conversation with the next sequence number', async () => {
    const from = { externalId: '+8613600000001', phone: '+8613600000001', name: 'Ann' };
    const first = await running.hub.ingest.ingest(inbound({ from }));
    const second = await running.hub.ingest.ingest(inbound({ from, text: 'are you there?' }));
    assert.equal(second.conversationId, first.conversationId);
    const conversation = await running.hub.conversations.conversations.getConversation(first.conversationId);
    assert.equal(conversation.lastSeq, 2);
    assert.equal(conversation.status, 'new');
    assert.equal(conversation.contactName, 'Ann');
  });

  it('reopens a resolved conversation and counts the reopen', async () => {
    const from = { externalId: '+8613600000002' };
    const first = await running.hub.ingest.ingest(inbound({ from }));
    await running.hub.conversations.conversations.setStatus(first.conversationId, { status: 'resolved' });
    const again = await running.hub.ingest.ingest(inbound({ from, text: 'it broke again' }));
    assert.equal(again.conversationId, first.conversationId);
    const conversation = await running.hub.conversations.conversations.getConversation(first.conversationId);
    assert.equal(conversation.status, 'open');
    assert.equal(conversation.metrics.reopenCount, 1);
  });

  it('opens a new conversation linked to a closed one', async () => {
    const from = { externalId: '+8613600000003' };
    const first = await running.hub.ingest.ingest(inbound({ from }));
    await running.hub.conversations.conversations.setStatus(first.conversationId, { status: 'closed' });
    const next = await running.hub.ingest.ingest(inbound({ from, text: 'new question' }));
    assert.notEqual(next.conversationId, first.conversationId);
    const conversation = await running.hub.conversations.conversations.getConversation(next.conversationId);
    assert.equal(conversation.previousConversationId, first.conversationId);
    assert.equal(conversation.status, 'new');
    const closed = await running.hub.conversations.conversations.getConversation(first.conversationId);
    assert.equal(closed.lastSeq, 1);
  });

  it('threads an email reply by In-Reply-To and References', async () => {
    const first = await running.hub.ingest.ingest(
      email('threads@example.com', { thread: { messageId: '<a1@mail.example>' } }),
    );
    const reply = await running.hub.ingest.ingest(
      email('threads@example.com', {
        subject: 'Re: Broken kettle',
        thread: {
          messageId: '<a2@mail.example>',
          inReplyTo: '<a1@mail.example>',
          references: ['<a1@mail.example>'],
        },
      }),
    );
    assert.equal(reply.conversationId, first.conversationId);
    const fresh = await running.hub.ingest.ingest(email('threads@example.com', { subject: 'Another topic' }));
    assert.notEqual(fresh.conversationId, first.conversationId);
  });

  it('threads a reply to our own outbound mail by its Message-ID', async () => {
    const first = await running.hub.ingest.ingest(
      email('ours@example.com', { thread: { messageId: '<o1@mail.example>' } }),
    );
    const agent = await running.hub.agents.agents.createAgent(
      { email: `a-${nextId()}@x.test`, name: 'A', password: 'correct horse battery' },
      null,
    );
    const sent = await running.hub.conversations.timeline.createReply({
      conversationId: first.conversationId,
      authorId: agent.id,
      text: 'We are on it',
      isPrivate: false,
    });
    assert.match(sent.subject ?? '', /\[#\d+\]$/);
    assert.equal(sent.thread?.inReplyTo, '<o1@mail.example>');
    const answer = await running.hub.ingest.ingest(
      email('ours@example.com', {
        subject: 'Re: something else',
        thread: { inReplyTo: sent.thread.messageId },
      }),
    );
    assert.equal(answer.conversationId, first.conversationId);
  });

  it('threads by the [#number] subject tag, but only for the same contact', async () => {
    const first = await running.hub.ingest.ingest(email('tag@example.com'));
    const { number } = await running.hub.conversations.conversations.getConversation(first.conversationId);
    const tagged = await running.hub.ingest.ingest(
      email('tag@example.com', { subject: `Re: Broken kettle [#${number}]` }),
    );
    assert.equal(tagged.conversationId, first.conversationId);
    const stranger = await running.hub.ingest.ingest(
      email('stranger@example.com', { subject: `[#${number}] hi` }),
    );
    assert.notEqual(stranger.conversationId, first.conversationId);
  });

  it('stores sanitized HTML without remote images', async () => {
    const result = await running.hub.ingest.ingest(
      email('html@example.com', {
        html: '<p onclick="x()">Hi<script>alert(1)</script><img src="https://track.example/p.gif"><img src="cid:logo"></p>',
      }),
    );
    const stored = await running.hub.conversations.timeline.getMessage(result.messageId);
    assert.equal(stored.html, '<p>Hi<img src="cid:logo" /></p>');
    assert.equal(
      stored.email?.htmlWithImages,
      undefined,
      'nothing to load on request: not counted as remote',
    );
  });

  it('keeps an email’s remote images apart, for an agent who asks to load them', async () => {
    const html = '<p>Offer<img src="https://news.example/banner.png"><script>x()</script></p>';
    const result = await running.hub.ingest.ingest({
      ...email('images@example.com', { html }),
      email: { to: ['support@example.test'], cc: [], fullHtml: html, remoteImages: 1 },
    });
    const stored = await running.hub.conversations.timeline.getMessage(result.messageId);
    assert.equal(stored.html, '<p>Offer</p>', 'the display HTML has no remote image');
    assert.equal(stored.email?.htmlWithImages, '<p>Offer<img src="https://news.example/banner.png" /></p>');
  });

  it('takes category and priority from the channel’s hints', async () => {
    const result = await running.hub.ingest.ingest(
      inbound({
        channel: 'voice',
        inboxId: 'inbox-voice',
        kind: 'call',
        from: { externalId: '+8613600000009' },
        hints: { category: 'complaint', priority: 'urgent' },
        call: { direction: 'inbound', status: 'completed', durationSec: 61 },
      }),
    );
    const conversation = await running.hub.conversations.conversations.getConversation(result.conversationId);
    assert.equal(conversation.category, 'complaint');
    assert.equal(conversation.priority, 'urgent');
  });

  it('rejects a malformed event and counts it', async () => {
    await assert.rejects(
      running.hub.ingest.ingest({ ...inbound(), externalId: { $ne: null } } as never),
      (error: { code?: string }) => error.code === 'INVALID_INPUT',
    );
    const metric = await running.hub.metrics.ingestEvents.get();
    assert.ok(metric.values.some((v) => v.labels.outcome === 'rejected' && v.value >= 1));
  });

  it('merges later call facts into the call entry and asks for a callback', async () => {
    const call = inbound({
      channel: 'voice',
      inboxId: 'inbox-voice',
      kind: 'voicemail',
      externalId: nextId('RE'),
      from: { externalId: '+8613600000010' },
    });
    const result = await running.hub.ingest.ingest(call);
    await running.hub.conversations.conversations.setStatus(result.conversationId, { status: 'resolved' });
    await running.hub.ingest.updateCall({
      channel: 'voice',
      inboxId: 'inbox-voice',
      externalId: call.externalId,
      occurredAt: new Date(),
      call: { recordingUrl: 'https://api.twilio.example/rec/1', durationSec: 12, outcome: 'voicemail' },
      text: '请回电',
      needsCallback: true,
    });
    const stored = await running.hub.conversations.timeline.getMessage(result.messageId);
    assert.equal(stored.call?.durationSec, 12);
    assert.equal(stored.text, '请回电');
    const conversation = await running.hub.conversations.conversations.getConversation(result.conversationId);
    assert.ok(conversation.tags.includes('callback'));
    assert.equal(conversation.status, 'open');
  });
});
