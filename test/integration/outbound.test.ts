import assert from 'node:assert/strict';
import type { MessageDoc } from '../../server/modules/conversations';
import { OUTBOUND_QUEUE, sendJobId } from '../../server/modules/outbound';
import { RecordingChannel } from '../support/recording-channel';
import { startTestHub, type RunningTestHub } from '../support/test-stack';

/** Polls until `check` returns a value (the queue works in the background); mocha's timeout bounds it. */
async function eventually<T>(check: () => Promise<T | null | undefined | false>): Promise<T> {
  for (;;) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A customer writes in on a fresh SMS inbox served by a recording channel; returns what a reply needs. */
async function customerWrites(stack: RunningTestHub, channel: RecordingChannel, phone: string) {
  stack.hub.channels.registry.register(channel);
  const result = await stack.hub.ingest.ingest({
    channel: 'sms',
    inboxId: channel.inboxId,
    externalId: `SM-${phone}-${Date.now()}`,
    occurredAt: stack.hub.clock.now(),
    from: { externalId: phone, phone },
    kind: 'message',
    text: 'Where is my order?',
  });
  return result.conversationId;
}

describe('outbound: sending replies', () => {
  let stack: RunningTestHub;
  let token: string;
  let counter = 0;

  const nextPhone = () => `+1555010${String((counter += 1)).padStart(4, '0')}`;

  const api = async (path: string, body?: unknown) => {
    const response = await fetch(`${stack.baseUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const reply = async (conversationId: string, text: string, isPrivate = false) => {
    const response = await api(`/api/conversations/${conversationId}/messages`, { text, private: isPrivate });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return String(response.body.id);
  };

  const findMessage = (id: string) => stack.hub.conversations.timeline.findMessage(id);
  const messageWithStatus = (id: string, status: string) =>
    eventually(async () => {
      const message = await findMessage(id);
      return message?.status === status ? message : null;
    });

  before(async () => {
    stack = await startTestHub();
    const email = 'lead@example.test';
    const password = 'correct horse battery staple';
    await stack.hub.agents.agents.createAgent({ email, password, name: 'Lead', role: 'supervisor' }, null);
    token = (await stack.hub.agents.auth.login({ email, password })).token;
  });

  after(() => stack.close());

  it('sends a reply once, to the customer, and keeps the provider id', async () => {
    const channel = new RecordingChannel({ inboxId: 'sms-ok', kinds: ['sms'] });
    const phone = nextPhone();
    const conversationId = await customerWrites(stack, channel, phone);
    const messageId = await reply(conversationId, 'It ships today.');
    const sent = await messageWithStatus(messageId, 'sent');
    assert.equal(channel.sent.length, 1);
    assert.equal(channel.sent[0]?.to.externalId, phone);
    assert.equal(channel.sent[0]?.text, 'It ships today.');
    assert.equal(channel.sent[0]?.messageId, messageId);
    assert.equal(sent.externalId, `rec-${messageId}-1`);
  });

  it('adds nothing when the same reply is enqueued again', async () => {
    const channel = new RecordingChannel({ inboxId: 'sms-twice', kinds: ['sms'] });
    const conversationId = await customerWrites(stack, channel, nextPhone());
    const messageId = await reply(conversationId, 'Once only.');
    await stack.hub.outbound.enqueue(messageId);
    await stack.hub.outbound.enqueue(messageId, { generation: 0 });
    await messageWithStatus(messageId, 'sent');
    const queue = stack.hub.queues.queue(OUTBOUND_QUEUE);
    const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed']);
    assert.deepEqual(
      jobs.filter((job) => (job.data as { messageId?: string }).messageId === messageId).map((job) => job.id),
      [sendJobId(messageId, 0)],
    );
    assert.equal(channel.calls, 1);
  });

  it('retries a transient provider failure with backoff, then sends', async function () {
    this.timeout(30_000);
    const channel = new RecordingChannel({ inboxId: 'sms-flaky', kinds: ['sms'] }).failTransiently(2);
    const conversationId = await customerWrites(stack, channel, nextPhone());
    const messageId = await reply(conversationId, 'Third time lucky.');
    await messageWithStatus(messageId, 'sent');
    assert.equal(channel.calls, 3);
    assert.equal(channel.sent.length, 1);
  });

  it('fails a permanent provider error at once, with the error on the message', async () => {
    const channel = new RecordingChannel({ inboxId: 'sms-bad', kinds: ['sms'] }).failPermanently(
      'Invalid To number',
      '21211',
    );
    const conversationId = await customerWrites(stack, channel, nextPhone());
    const messageId = await reply(conversationId, 'Nobody there.');
    const failed = await messageWithStatus(messageId, 'failed');
    assert.deepEqual(failed.error, { code: '21211', message: 'Invalid To number' });
    assert.equal(channel.calls, 1);
    const timeline = await api(`/api/conversations/${conversationId}/timeline`);
    const shown = (timeline.body.items as { id: string; status: string; error: unknown }[]).find(
      (m) => m.id === messageId,
    );
    assert.equal(shown?.status, 'failed');
    assert.deepEqual(shown?.error, { code: '21211', message: 'Invalid To number' });
  });

  it('never sends an internal note, even when someone enqueues it', async () => {
    const channel = new RecordingChannel({ inboxId: 'sms-note', kinds: ['sms'] });
    const conversationId = await customerWrites(stack, channel, nextPhone());
    const noteId = await reply(conversationId, 'Customer is angry, be nice', true);
    await stack.hub.outbound.enqueue(noteId, { generation: 0 });
    // A reply sent after the note proves the worker got past the note's job.
    const replyId = await reply(conversationId, 'Sorry for the wait!');
    await messageWithStatus(replyId, 'sent');
    const job = await eventually(async () => {
      const found = await stack.hub.queues.queue(OUTBOUND_QUEUE).getJob(sendJobId(noteId, 0));
      return found && (await found.isFailed()) ? found : null;
    });
    assert.match(String(job.failedReason), /never sent/);
    assert.deepEqual(
      channel.sent.map((m) => m.text),
      ['Sorry for the wait!'],
    );
    assert.equal((await findMessage(noteId))?.status, undefined);
  });

  it('sends a failed message again when the agent retries it', async () => {
    const channel = new RecordingChannel({ inboxId: 'sms-retry', kinds: ['sms'] }).failPermanently(
      'Blocked',
      '30004',
    );
    const conversationId = await customerWrites(stack, channel, nextPhone());
    const messageId = await reply(conversationId, 'Try again later.');
    await messageWithStatus(messageId, 'failed');
    const fixed = new RecordingChannel({ inboxId: 'sms-retry', kinds: ['sms'] });
    stack.hub.channels.registry.register(fixed);
    const retried = await api(`/api/messages/${messageId}/retry`, {});
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    const sent: MessageDoc = await messageWithStatus(messageId, 'sent');
    assert.equal(sent.retryCount, 1);
    assert.equal(fixed.sent.length, 1);
    assert.equal(channel.calls, 1);
  });

  it('fails a reply at once when no channel serves its inbox', async () => {
    const channel = new RecordingChannel({ inboxId: 'sms-gone', kinds: ['sms'] });
    const conversationId = await customerWrites(stack, channel, nextPhone());
    // The inbox now only serves email: nothing can send this SMS.
    stack.hub.channels.registry.register(new RecordingChannel({ inboxId: 'sms-gone', kinds: ['email'] }));
    const messageId = await reply(conversationId, 'Hello?');
    const failed = await messageWithStatus(messageId, 'failed');
    assert.equal(failed.error?.code, 'NO_CHANNEL');
    assert.equal(channel.calls, 0);
  });
});
