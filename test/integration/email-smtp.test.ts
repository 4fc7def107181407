import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Socket } from 'node:net';
import nodemailer from 'nodemailer';
import { parseInboundMail } from '../../connectors/email/email-parse';
import { htmlToText } from '../../connectors/email/email-reply-trim';
import { loadMailFixtures } from '../support/email-fixtures';
import { INBOX_ADDRESS, startEmailTestHub, type EmailTestHub } from '../support/email-hub';
import { waitFor } from '../support/twilio-hub';

const readable = (text: string) => text.replace(/\s+/g, '').toLowerCase();

/** One SMTP dialogue by hand, for answers nodemailer hides (RCPT refusals, the 552 after DATA). */
async function smtpDialogue(port: number, lines: string[]): Promise<string[]> {
  const socket = new Socket();
  const replies: string[] = [];
  let buffer = '';
  const next = () =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const match = /^(\d{3}) .*\r\n/m.exec(buffer);
        if (!match) return false;
        const end = buffer.indexOf('\r\n', match.index) + 2;
        const reply = buffer.slice(0, end);
        buffer = buffer.slice(end);
        // The whole reply: a multi-line one (EHLO's extensions) keeps every line.
        resolve(reply.trim());
        return true;
      };
      if (check()) return;
      const onData = () => {
        if (check()) socket.off('data', onData);
      };
      socket.on('data', onData);
      socket.once('error', reject);
    });
  socket.on('data', (chunk: Buffer) => (buffer += chunk.toString('latin1')));
  await new Promise<void>((resolve) => socket.connect(port, '127.0.0.1', resolve));
  replies.push(await next());
  for (const line of lines) {
    socket.write(`${line}\r\n`);
    if (line === 'DATA' || !line.startsWith('\u0000')) replies.push(await next());
  }
  socket.end();
  return replies;
}

describe('email: SMTP listener (real SMTP sessions, whole hub)', function () {
  this.timeout(120_000);
  let hub: EmailTestHub;
  before(async () => {
    hub = await startEmailTestHub({ SMTP_INBOUND_MAX_BYTES: String(2 * 1024 * 1024) });
  });
  after(async () => {
    await hub?.close();
  });

  it('delivers every mail of the real-world corpus through the listener, stored as parsed', async () => {
    const fixtures = loadMailFixtures();
    const seen = new Set<string>();
    for (const fixture of fixtures) {
      await hub.submit(fixture.raw);
      const parsed = await parseInboundMail(fixture.raw, {
        inboxId: 'email',
        ourDomains: ['hub.test', 'demo.omnihub'],
        receivedAt: new Date(),
      });
      if (parsed.kind === 'bounce') continue;
      // The anonymised corpus reuses a few Message-IDs: the second mail is, rightly, a duplicate.
      if (seen.has(parsed.event.externalId)) continue;
      seen.add(parsed.event.externalId);
      const stored = await hub.running.hub.conversations.timeline.findByExternalId(
        'email',
        parsed.event.externalId,
      );
      assert.ok(stored, `${fixture.name} was stored`);
      assert.equal(stored.subject ?? '', parsed.event.subject ?? '', fixture.name);
      for (const value of [stored.subject, stored.text, stored.email?.fullText])
        assert.ok(!value?.includes('\uFFFD'), `${fixture.name}: no replacement character`);
      const expected = fixture.expected;
      if (expected?.fromEmail && !/\s/.test(expected.fromEmail)) {
        const contact = await hub.running.hub.contacts.contacts.findContact(stored.contactId);
        assert.ok(contact?.emails.includes(expected.fromEmail.toLowerCase()), `${fixture.name}: from`);
      }
      if (expected?.body && expected.body !== 'no visible content' && !/<[a-z]/i.test(expected.body)) {
        const ours = readable(
          `${stored.email?.fullText ?? ''} ${htmlToText(stored.email?.fullHtml ?? stored.html ?? '')}`,
        );
        assert.ok(ours.includes(readable(expected.body).slice(0, 30)), `${fixture.name}: body`);
      }
    }
  });

  it('answers 250 only once the mail is stored, and a redelivery creates nothing new', async () => {
    const raw = `From: Li Wei <li.wei@example.com>\r\nTo: ${INBOX_ADDRESS}\r\nSubject: 宽带断了\r\nMessage-ID: <once-${Date.now()}@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n您好，宽带又断了。\r\n`;
    const id = /Message-ID: (<[^>]+>)/.exec(raw)?.[1] ?? '';
    await hub.submit(raw);
    // nodemailer resolved: the server said 250, so the message must already be there.
    const stored = await hub.running.hub.conversations.timeline.findByExternalId('email', id);
    assert.ok(stored);
    assert.equal(stored.text, '您好，宽带又断了。');
    await hub.submit(raw);
    const conversations = await hub.conversations();
    const copies = [];
    for (const conversation of conversations)
      copies.push(
        ...(await hub.timeline(conversation.id)).filter(
          (entry: { externalId?: string }) => entry.externalId === id,
        ),
      );
    assert.equal(copies.length, 1);
  });

  it('keeps the raw message in the attachment store so a parse can be redone', async () => {
    const raw = `From: a@example.com\r\nTo: ${INBOX_ADDRESS}\r\nSubject: raw\r\nMessage-ID: <raw-${Date.now()}@example.com>\r\n\r\nhello\r\n`;
    await hub.submit(raw);
    const id = /Message-ID: (<[^>]+>)/.exec(raw)?.[1] ?? '';
    const stored = await hub.running.hub.conversations.timeline.findByExternalId('email', id);
    const key = stored?.email?.rawStorageKey;
    assert.ok(key, 'raw storage key');
    const chunks: Buffer[] = [];
    for await (const chunk of await hub.running.hub.attachments.store.get(key)) chunks.push(chunk as Buffer);
    assert.equal(Buffer.concat(chunks).toString('utf8').replace(/\r\n/g, '\n'), raw.replace(/\r\n/g, '\n'));
  });

  it('refuses unknown recipients at RCPT and accepts the inbox’s reply+ addresses', async () => {
    const replies = await smtpDialogue(hub.smtpPort, [
      'EHLO client.example',
      'MAIL FROM:<a@example.com>',
      'RCPT TO:<nobody@demo.omnihub>',
      'RCPT TO:<someone@elsewhere.example>',
      'RCPT TO:<reply+abcdef123456@demo.omnihub>',
      `RCPT TO:<${INBOX_ADDRESS}>`,
      'QUIT',
    ]);
    assert.match(replies[3] ?? '', /^550/);
    assert.match(replies[4] ?? '', /^550/);
    assert.match(replies[5] ?? '', /^250/);
    assert.match(replies[6] ?? '', /^250/);
  });

  it('answers 552 to a message over the size limit and stores nothing', async () => {
    const big = 'x'.repeat(1000);
    const id = `<big-${Date.now()}@example.com>`;
    const error = await hub
      .send({
        from: 'big@example.com',
        to: INBOX_ADDRESS,
        subject: 'too big',
        messageId: id,
        text: Array.from({ length: 2200 }, () => big).join('\n'),
      })
      .then(
        () => null,
        (caught: { responseCode?: number }) => caught,
      );
    assert.equal(error?.responseCode, 552);
    assert.equal(await hub.running.hub.conversations.timeline.findByExternalId('email', id), null);
  });

  it('answers 451 when the mail cannot be stored (storage down), so the sender retries', async () => {
    const id = `<down-${Date.now()}@example.com>`;
    const ingest = hub.running.hub.ingest;
    const original = ingest.ingest.bind(ingest);
    hub.running.hub.ingest.ingest = () => Promise.reject(new Error('storage unavailable'));
    try {
      const error = await hub
        .send({ from: 'down@example.com', to: INBOX_ADDRESS, subject: 'later', messageId: id, text: 'hi' })
        .then(
          () => null,
          (caught: { responseCode?: number }) => caught,
        );
      assert.equal(error?.responseCode, 451);
    } finally {
      hub.running.hub.ingest.ingest = original;
    }
    // The retry, once storage is back, is accepted and stored.
    await hub.send({
      from: 'down@example.com',
      to: INBOX_ADDRESS,
      subject: 'later',
      messageId: id,
      text: 'hi',
    });
    assert.ok(await hub.running.hub.conversations.timeline.findByExternalId('email', id));
  });

  it('routes a mail sent to a reply+ address into the conversation it names', async () => {
    await hub.send({
      from: 'zhang.san@example.com',
      to: INBOX_ADDRESS,
      subject: 'Invoice missing',
      messageId: '<first-zhang@example.com>',
      text: 'Where is my invoice?',
    });
    const conversation = (await hub.conversations('?q=zhang.san')).find(
      (entry: { subject?: string }) => entry.subject === 'Invoice missing',
    );
    assert.ok(conversation);
    const reply = await fetch(`${hub.running.baseUrl}/api/conversations/${conversation.id}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${hub.token}` },
      body: JSON.stringify({ text: 'It is attached.' }),
    });
    assert.equal(reply.status, 201);
    const [sent] = await hub.outbox.waitFor(1);
    const replyTo = sent?.replyTo?.value[0]?.address ?? '';
    assert.match(replyTo, /^reply\+[0-9a-f]{20}@demo\.omnihub$/);
    // The customer's client drops every threading header and changes the subject; the address is enough.
    await hub.send({
      from: 'zhang.san@example.com',
      to: replyTo,
      subject: 'thanks',
      text: 'Got it, thanks!',
    });
    const entries = await waitFor(async () => {
      const items = await hub.timeline(conversation.id);
      return items.length >= 3 ? items : undefined;
    }, 'the answer in the same conversation');
    assert.equal(entries.at(-1)?.text, 'Got it, thanks!');
  });

  it('offers STARTTLS only when a certificate is configured (off here)', async () => {
    const replies = await smtpDialogue(hub.smtpPort, ['EHLO client.example', 'STARTTLS', 'QUIT']);
    assert.doesNotMatch(replies[1] ?? '', /STARTTLS/);
    assert.match(replies[2] ?? '', /^5\d\d/);
    // nodemailer as a client still delivers in clear when the server does not offer it.
    const client = nodemailer.createTransport({ host: '127.0.0.1', port: hub.smtpPort, secure: false });
    await client.sendMail({ from: 'tls@example.com', to: INBOX_ADDRESS, subject: 'clear', text: 'ok' });
    client.close();
  });
});

describe('email: SMTP listener with a certificate (STARTTLS)', function () {
  this.timeout(120_000);
  let hub: EmailTestHub;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'omnihub-smtp-tls-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    // A throwaway self-signed certificate, as an operator would install a real one.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=localhost',
        '-days',
        '1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    hub = await startEmailTestHub({ SMTP_INBOUND_TLS_CERT: cert, SMTP_INBOUND_TLS_KEY: key });
  });
  after(async () => {
    await hub?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('offers STARTTLS and takes a mail over the upgraded connection', async () => {
    const replies = await smtpDialogue(hub.smtpPort, ['EHLO client.example', 'QUIT']);
    assert.match(replies[1] ?? '', /STARTTLS/);
    const client = nodemailer.createTransport({
      host: '127.0.0.1',
      port: hub.smtpPort,
      secure: false,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
    });
    const messageId = `<tls-${Date.now()}@example.com>`;
    await client.sendMail({
      from: 'tls@example.com',
      to: INBOX_ADDRESS,
      subject: 'over TLS',
      text: 'encrypted',
      messageId,
    });
    client.close();
    const stored = await waitFor(
      async () =>
        (await hub.running.hub.conversations.timeline.findByExternalId('email', messageId)) ?? undefined,
      'the mail sent over STARTTLS',
    );
    assert.equal(stored.text, 'encrypted');
  });
});
