import assert from 'node:assert/strict';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { call, email, inbound, loginAs } from './conversations-support';

describe('conversations as a contact data owner', () => {
  let running: RunningTestHub;

  before(async () => {
    running = await startTestHub({ runWorkers: false });
  });
  after(async () => {
    await running?.close();
  });

  const owner = () => running.hub.conversations.contactDataOwner;
  const contactOf = async (conversationId: string) =>
    (await running.hub.conversations.conversations.getConversation(conversationId)).contactId;

  it('moves conversations and messages to the merge target, idempotently', async () => {
    const a = await running.hub.ingest.ingest(inbound({ from: { externalId: '+8613100000001' } }));
    const b = await running.hub.ingest.ingest(inbound({ from: { externalId: '+8613100000002' } }));
    const [from, to] = [await contactOf(a.conversationId), await contactOf(b.conversationId)];
    await owner().moveContact(from, to);
    await owner().moveContact(from, to);
    assert.equal(await contactOf(a.conversationId), to);
    assert.equal((await running.hub.conversations.timeline.getMessage(a.messageId)).contactId, to);
    const listed = await running.hub.conversations.list.listConversations(
      { agentId: 'x', role: 'supervisor', teamIds: [] },
      { contactId: to, limit: 10 },
    );
    assert.equal(listed.items.length, 2);
  });

  it('shows the contact’s conversations in the 360 view and moves them on a merge through the API', async () => {
    const supervisor = await loginAs(running, { email: 'sup360@test.omnihub', role: 'supervisor' });
    const a = await running.hub.ingest.ingest(
      inbound({ from: { externalId: '+8613100000011', name: 'Merge A' } }),
    );
    const b = await running.hub.ingest.ingest(
      inbound({
        channel: 'telegram',
        inboxId: 'inbox-tg',
        from: { externalId: 'tg-merge-b', name: 'Merge B' },
      }),
    );
    const [from, to] = [await contactOf(a.conversationId), await contactOf(b.conversationId)];
    const view = await call(running.baseUrl, 'GET', `/api/contacts/${from}`, { token: supervisor.token });
    assert.equal(view.status, 200);
    assert.deepEqual(
      view.body.sections.conversations.items.map((c: { id: string }) => c.id),
      [a.conversationId],
    );
    const merged = await call(running.baseUrl, 'POST', `/api/contacts/${from}/merge`, {
      token: supervisor.token,
      body: { targetContactId: to },
    });
    assert.equal(merged.status, 200);
    assert.equal(await contactOf(a.conversationId), to);
    const list = await call(running.baseUrl, 'GET', `/api/contacts/${to}/conversations`, {
      token: supervisor.token,
    });
    assert.deepEqual(
      new Set(list.body.items.map((c: { id: string }) => c.id)),
      new Set([a.conversationId, b.conversationId]),
    );
  });

  it('exports a contact’s conversations and messages', async () => {
    const r = await running.hub.ingest.ingest(email('export@example.com', { text: 'export me' }));
    const data = await owner().exportContact(await contactOf(r.conversationId));
    assert.equal(data.conversations.length, 1);
    assert.deepEqual(
      data.messages.map((m) => m.text),
      ['export me'],
    );
  });

  it('erases the customer’s words but keeps the timeline as anonymous statistics', async () => {
    const r = await running.hub.ingest.ingest(
      email('erase@example.com', {
        subject: 'My address is 1 Main St',
        text: 'secret',
        html: '<p>secret</p>',
      }),
    );
    const contactId = await contactOf(r.conversationId);
    await owner().eraseContact(contactId);
    await owner().eraseContact(contactId);
    const message = await running.hub.conversations.timeline.getMessage(r.messageId);
    assert.equal(message.text, undefined);
    assert.equal(message.html, undefined);
    assert.equal(message.subject, undefined);
    assert.ok(message.erasedAt);
    assert.equal(message.seq, 1);
    const conversation = await running.hub.conversations.conversations.getConversation(r.conversationId);
    assert.equal(conversation.subject, undefined);
    assert.equal(conversation.contactId, contactId);
    assert.ok(conversation.metrics.firstInboundAt);
  });
});
