/**
 * Offline continuation: a visitor who gave an email and left gets the agent's reply by email (through the
 * email channel, at a local SMTP catcher), and their email reply threads back into the same conversation.
 */
import assert from 'node:assert/strict';
import { call } from './conversations-support';
import { INBOX_ADDRESS, startEmailTestHub, type EmailTestHub } from '../support/email-hub';
import { connectVisitor } from '../support/webchat-visitor';

async function waitUntil<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 20_000) {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('web chat offline continuation by email', function () {
  this.timeout(90_000);
  let email: EmailTestHub;
  before(async () => {
    email = await startEmailTestHub({ WEBCHAT_OFFLINE_GRACE_SECONDS: '1' });
  });
  after(async () => email?.close());

  it('emails the reply to a visitor who left, and threads their email answer into the same conversation', async () => {
    const { running } = email;
    const visitor = await connectVisitor(running.baseUrl);
    assert.equal((await visitor.emit('profile:set', { name: 'Lin', email: 'lin@home.example' })).ok, true);
    const sent = await visitor.send('Is the blue teapot back in stock?');
    const conversationId = (sent.message as { conversationId: string }).conversationId;
    visitor.close();
    // Away for longer than the grace period.
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    const reply = await call(running.baseUrl, 'POST', `/api/conversations/${conversationId}/messages`, {
      token: email.token,
      body: { text: 'Yes, it is back: 3 left.' },
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const [mail] = await email.outbox.waitFor(1, 20_000);
    assert.equal(
      mail!.to && 'value' in mail!.to ? mail!.to.value[0]?.address : undefined,
      'lin@home.example',
    );
    assert.match(mail!.text ?? '', /Yes, it is back: 3 left\./);
    const conversation = await running.hub.conversations.conversations.findConversation(conversationId);
    assert.match(mail!.subject ?? '', new RegExp(`\\[#${conversation!.number}\\]`));
    const messageId = mail!.messageId!;

    await email.send({
      from: 'Lin <lin@home.example>',
      to: INBOX_ADDRESS,
      subject: `Re: ${mail!.subject ?? ''}`,
      inReplyTo: messageId,
      references: [messageId],
      text: 'Great, please keep one for me.\n\nOn Thu, support wrote:\n> Yes, it is back: 3 left.',
    });
    const entry = await waitUntil('the email reply on the timeline', async () => {
      const timeline = await running.hub.conversations.timeline.listTimeline(conversationId, { limit: 50 });
      return timeline.items.find((item) => item.channel === 'email' && item.direction === 'inbound');
    });
    assert.match(entry.text ?? '', /Great, please keep one for me\./);
  });
});
