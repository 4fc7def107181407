import assert from 'node:assert/strict';
import { signRelayBody } from '../../connectors/email/email-relay-signature';
import { INBOX_ADDRESS, RELAY_SECRET, startEmailTestHub, type EmailTestHub } from '../support/email-hub';
import { waitFor } from '../support/twilio-hub';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API JSON
type Json = any;

async function reply(hub: EmailTestHub, conversationId: string, text: string): Promise<Json> {
  const response = await fetch(`${hub.running.baseUrl}/api/conversations/${conversationId}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${hub.token}` },
    body: JSON.stringify({ text }),
  });
  assert.equal(response.status, 201);
  return response.json();
}

async function storedBy(hub: EmailTestHub, externalId: string) {
  return waitFor(
    () =>
      hub.running.hub.conversations.timeline
        .findByExternalId('email', externalId)
        .then((m) => m ?? undefined),
    `message ${externalId}`,
  );
}

describe('email: threading across replies (whole hub, real SMTP)', function () {
  this.timeout(120_000);
  let hub: EmailTestHub;
  beforeEach(async () => {
    hub = await startEmailTestHub();
  });
  afterEach(async () => {
    await hub?.close();
  });

  it('keeps 5 replies in one conversation: dropped References, changed subject, another address of the same contact', async () => {
    const first = `<t0-${Date.now()}@client.example>`;
    await hub.send({
      from: 'wang.fang@example.com',
      to: INBOX_ADDRESS,
      subject: 'Router keeps rebooting',
      messageId: first,
      text: 'It reboots every hour.',
    });
    const opened = await storedBy(hub, first);
    const conversationId = opened.conversationId;
    // The contact has a second address (their work mail).
    await hub.running.hub.contacts.contacts.updateContact(opened.contactId, {
      emails: ['wang.fang@example.com', 'fang.wang@work.example'],
    });

    const ours: string[] = [];
    const agentReply = async (n: number) => {
      await reply(hub, conversationId, `Answer ${n}`);
      const mails = await hub.outbox.waitFor(n);
      const mail = mails[n - 1];
      assert.ok(mail?.messageId);
      ours.push(mail.messageId);
      return mail;
    };

    // 1. A well-behaved client: In-Reply-To and References.
    let mail = await agentReply(1);
    const r1 = `<t1-${Date.now()}@client.example>`;
    await hub.send({
      from: 'wang.fang@example.com',
      to: INBOX_ADDRESS,
      subject: `Re: ${mail.subject}`,
      messageId: r1,
      inReplyTo: mail.messageId,
      references: [first, mail.messageId ?? ''],
      text: 'Still rebooting.',
    });
    // 2. A client that drops References (In-Reply-To only).
    mail = await agentReply(2);
    const r2 = `<t2-${Date.now()}@client.example>`;
    await hub.send({
      from: 'wang.fang@example.com',
      to: INBOX_ADDRESS,
      subject: `Re: ${mail.subject}`,
      messageId: r2,
      inReplyTo: mail.messageId,
      text: 'No References here.',
    });
    // 3. A client that drops every header and writes its own subject, but keeps the [#n] tag.
    mail = await agentReply(3);
    const number = /\[#(\d+)\]/.exec(mail.subject ?? '')?.[1];
    const r3 = `<t3-${Date.now()}@client.example>`;
    await hub.send({
      from: 'wang.fang@example.com',
      to: INBOX_ADDRESS,
      subject: `Router update [#${number}]`,
      messageId: r3,
      text: 'Only the tag.',
    });
    // 4. The same contact from another address, answering to the Reply-To plus-address, new subject.
    mail = await agentReply(4);
    const replyTo = mail.replyTo?.value[0]?.address ?? '';
    const r4 = `<t4-${Date.now()}@work.example>`;
    await hub.send({
      from: 'fang.wang@work.example',
      to: replyTo,
      subject: 'Coupon for my next order?',
      messageId: r4,
      text: 'Also, a coupon?',
    });
    // 5. Back from the first address, References only (no In-Reply-To).
    mail = await agentReply(5);
    const r5 = `<t5-${Date.now()}@client.example>`;
    await hub.send({
      from: 'wang.fang@example.com',
      to: INBOX_ADDRESS,
      subject: 'Re: Router',
      messageId: r5,
      references: [mail.messageId ?? ''],
      text: 'Fixed, thanks.',
    });

    for (const id of [r1, r2, r3, r4, r5])
      assert.equal((await storedBy(hub, id)).conversationId, conversationId, id);
    // The reply under an unrelated subject is flagged for the agent; the on-topic ones are not.
    assert.equal((await storedBy(hub, r4)).email?.possibleNewRequest, true);
    assert.notEqual((await storedBy(hub, r1)).email?.possibleNewRequest, true);
    // Every Message-ID we sent and received is remembered on the conversation.
    const conversation = await hub.running.hub.conversations.conversations.getConversation(conversationId);
    for (const id of [first, ...ours, r1, r2, r3, r4, r5])
      assert.ok(conversation.threadKeys.includes(id), id);
  });

  it("sends a reply under the agent's own subject (the ticket tag kept) with copies, and refuses a bad copy address", async () => {
    const first = `<cc0-${Date.now()}@client.example>`;
    await hub.send({
      from: 'wang.fang@example.com',
      to: INBOX_ADDRESS,
      subject: 'Invoice for order 2231',
      messageId: first,
      text: '请发一下发票',
    });
    const opened = await storedBy(hub, first);
    const post = (body: unknown) =>
      fetch(`${hub.running.baseUrl}/api/conversations/${opened.conversationId}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${hub.token}` },
        body: JSON.stringify(body),
      });
    const bad = await post({ text: 'x', email: { cc: ['not an address'] } });
    assert.equal(bad.status, 400);
    const sent = await post({
      text: '发票已开具，请查收。',
      email: {
        subject: '发票已开具 [#99999]',
        cc: ['Finance@Example.com', 'finance@example.com', 'li.na@example.com'],
      },
    });
    assert.equal(sent.status, 201);
    const stored = await sent.json();
    assert.deepEqual(stored.email.cc, ['finance@example.com', 'li.na@example.com']);
    const [mail] = await hub.outbox.waitFor(1);
    const { number } = await hub.running.hub.conversations.conversations.getConversation(
      opened.conversationId,
    );
    assert.equal(
      mail?.subject,
      `发票已开具 [#${number}]`,
      'the own subject with the ticket tag, the wrong tag gone',
    );
    const ccHeader = mail?.cc;
    const ccAddresses = (Array.isArray(ccHeader) ? ccHeader : ccHeader ? [ccHeader] : []).flatMap((a) =>
      a.value.map((v) => v.address),
    );
    assert.deepEqual(ccAddresses, ['finance@example.com', 'li.na@example.com']);
    assert.equal(mail?.inReplyTo, first, 'still threaded to the customer mail');
    assert.equal(hub.outbox.received.length, 1, 'the refused reply sent nothing');
  });

  it('never lets another sender join a customer’s conversation (newsletter reply quoting our mail, guessed tag)', async () => {
    const first = `<n0-${Date.now()}@client.example>`;
    await hub.send({
      from: 'customer@example.com',
      to: INBOX_ADDRESS,
      subject: 'Refund',
      messageId: first,
      text: 'Refund please.',
    });
    const opened = await storedBy(hub, first);
    await reply(hub, opened.conversationId, 'Refund on its way.');
    const [mail] = await hub.outbox.waitFor(1);
    const number = /\[#(\d+)\]/.exec(mail?.subject ?? '')?.[1];
    const intruder = `<n1-${Date.now()}@news.example>`;
    await hub.send({
      from: 'newsletter@news.example',
      to: mail?.replyTo?.value[0]?.address ?? INBOX_ADDRESS,
      subject: `Re: ${mail?.subject ?? ''} [#${number}]`,
      messageId: intruder,
      inReplyTo: mail?.messageId ?? '',
      references: [first, mail?.messageId ?? ''],
      text: 'Our weekly deals!',
    });
    const stored = await storedBy(hub, intruder);
    assert.notEqual(stored.conversationId, opened.conversationId);
  });

  it('marks the right outbound message failed from a delivery status report, and stops automatic mail to that address', async () => {
    const first = `<d0-${Date.now()}@client.example>`;
    await hub.send({
      from: 'gone@example.com',
      to: INBOX_ADDRESS,
      subject: 'Question',
      messageId: first,
      text: 'Hi',
    });
    const opened = await storedBy(hub, first);
    const other = await reply(hub, opened.conversationId, 'First answer');
    const target = await reply(hub, opened.conversationId, 'Second answer');
    const mails = await hub.outbox.waitFor(2);
    const returned = mails.find((m) => m.text?.includes('Second answer'));
    assert.ok(returned?.messageId);
    const dsn = [
      'From: Mail Delivery System <MAILER-DAEMON@mx.example.com>',
      `To: ${INBOX_ADDRESS}`,
      'Subject: Undelivered Mail Returned to Sender',
      `Message-ID: <dsn-${Date.now()}@mx.example.com>`,
      'Auto-Submitted: auto-replied',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
      '',
      '--B',
      'Content-Type: text/plain',
      '',
      'Your message could not be delivered.',
      '--B',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.com',
      '',
      'Final-Recipient: rfc822; gone@example.com',
      'Action: failed',
      'Status: 5.1.1',
      'Diagnostic-Code: smtp; 550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown',
      '',
      '--B',
      'Content-Type: text/rfc822-headers',
      '',
      `Message-ID: ${returned.messageId}`,
      'Subject: whatever',
      '',
      '--B--',
      '',
    ].join('\r\n');
    await hub.submit(dsn);
    const failed = await waitFor(async () => {
      const message = await hub.running.hub.conversations.timeline.findMessage(target.id);
      return message?.status === 'failed' ? message : undefined;
    }, 'the bounced message marked failed');
    assert.match(failed.error?.message ?? '', /User unknown/);
    assert.equal((await hub.running.hub.conversations.timeline.findMessage(other.id))?.status, 'sent');
    // Automatic mail to the address now fails at once, visibly, without reaching the relay.
    const automated = await sendAutomatic(hub, opened.conversationId, 'We got your message');
    const result = await waitFor(async () => {
      const message = await hub.running.hub.conversations.timeline.findMessage(automated);
      return message?.status === 'failed' ? message : undefined;
    }, 'automatic mail refused');
    assert.equal(result.error?.code, 'UNDELIVERABLE');
    assert.equal(hub.outbox.received.length, 2);
  });

  it('caps our automatic mails to an auto-responder that answers every mail within a second', async () => {
    const first = `<l0-${Date.now()}@client.example>`;
    await hub.send({
      from: 'ooo@example.com',
      to: INBOX_ADDRESS,
      subject: 'Order',
      messageId: first,
      text: 'Order status?',
    });
    const opened = await storedBy(hub, first);
    // The auto-responder: every mail it receives is answered at once, as a new mail without auto headers.
    let answered = 0;
    const responder = setInterval(() => {
      while (answered < hub.outbox.received.length) {
        answered++;
        void hub.send({
          from: 'ooo@example.com',
          to: INBOX_ADDRESS,
          subject: `I am away (${answered})`,
          text: 'Out of office.',
        });
      }
    }, 100);
    try {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++)
        ids.push(await sendAutomatic(hub, opened.conversationId, `Automatic notice ${i}`));
      const settled = await waitFor(
        async () => {
          const messages = await Promise.all(
            ids.map((id) => hub.running.hub.conversations.timeline.findMessage(id)),
          );
          return messages.every((m) => m?.status === 'sent' || m?.status === 'failed') ? messages : undefined;
        },
        'every automatic message settled',
        30_000,
      );
      const sent = settled.filter((m) => m?.status === 'sent');
      assert.equal(sent.length, 3, 'EMAIL_AUTO_REPLY_LIMIT (3) mails at most');
      assert.ok(
        settled.filter((m) => m?.status === 'failed').every((m) => m?.error?.code === 'AUTO_REPLY_LIMIT'),
      );
      for (const mail of hub.outbox.received)
        assert.equal(mail.headers.get('auto-submitted'), 'auto-replied');
    } finally {
      clearInterval(responder);
    }
  });

  it('accepts a relayed mail signed with the shared secret, refuses bad, stale and oversized ones', async () => {
    const raw = Buffer.from(
      `From: relay@example.com\r\nTo: ${INBOX_ADDRESS}\r\nSubject: relayed\r\nMessage-ID: <relay-${Date.now()}@example.com>\r\n\r\nvia the relay\r\n`,
    );
    const post = (body: Buffer, headers: Record<string, string>) =>
      fetch(`${hub.running.baseUrl}/webhooks/email/inbound`, {
        method: 'POST',
        headers: { 'content-type': 'message/rfc822', ...headers },
        body: new Uint8Array(body),
      });
    const now = Math.floor(Date.now() / 1000);
    const good = {
      'x-omnihub-timestamp': String(now),
      'x-omnihub-signature': signRelayBody(RELAY_SECRET, now, raw),
    };
    assert.equal((await post(raw, good)).status, 200);
    assert.equal((await post(raw, good)).status, 200, 'a replay is answered, and stores nothing new');
    assert.equal(
      (await post(raw, { ...good, 'x-omnihub-signature': signRelayBody('wrong-secret-000000', now, raw) }))
        .status,
      403,
    );
    assert.equal((await post(raw, { 'x-omnihub-timestamp': String(now) })).status, 403);
    const stale = now - 3600;
    assert.equal(
      (
        await post(raw, {
          'x-omnihub-timestamp': String(stale),
          'x-omnihub-signature': signRelayBody(RELAY_SECRET, stale, raw),
        })
      ).status,
      403,
    );
    const id = /Message-ID: (<[^>]+>)/.exec(raw.toString())?.[1] ?? '';
    assert.ok(await hub.running.hub.conversations.timeline.findByExternalId('email', id));
    const huge = Buffer.alloc(hub.running.hub.config.SMTP_INBOUND_MAX_BYTES + 10, 'a');
    assert.equal(
      (
        await post(huge, {
          'x-omnihub-timestamp': String(now),
          'x-omnihub-signature': signRelayBody(RELAY_SECRET, now, huge),
        })
      ).status,
      413,
    );
  });
});

/** An automatic message (as the SLA module's acknowledgements are made): queued, isAutomated, sent by outbound. */
async function sendAutomatic(hub: EmailTestHub, conversationId: string, text: string): Promise<string> {
  const { conversations, timeline } = hub.running.hub.conversations;
  const conversation = await conversations.getConversation(conversationId);
  const seq = await conversations.allocateSeq(conversationId, { openOnly: true });
  assert.ok(seq !== null);
  const { message } = await timeline.insertMessage({
    conversationId,
    contactId: conversation.contactId,
    seq,
    direction: 'outbound',
    kind: 'message',
    channel: 'email',
    inboxId: 'email',
    authorId: null,
    text,
    subject: text,
    occurredAt: new Date(),
    status: 'queued',
    isAutomated: true,
  });
  await hub.running.hub.outbound.enqueue(String(message._id));
  return String(message._id);
}
