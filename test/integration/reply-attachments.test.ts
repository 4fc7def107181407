/**
 * Agents attach files to replies: upload (raw body) → reply with the reference → the channel receives the
 * bytes. Refusals: an agent who cannot see the conversation (404), a file over ATTACHMENT_MAX_BYTES (413),
 * a type the store refuses (415), a reference uploaded for another conversation (400, nothing stored).
 */
import assert from 'node:assert/strict';
import { RecordingChannel } from '../support/recording-channel';
import { startTestHub, type RunningTestHub } from '../support/test-stack';

const MAX_BYTES = 64 * 1024;
const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(2048, 0x41), Buffer.from('\n%%EOF')]);

async function eventually<T>(check: () => Promise<T | null | undefined | false>): Promise<T> {
  for (;;) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('reply attachments: agents upload files and send them with a reply', function () {
  this.timeout(60_000);
  let stack: RunningTestHub;
  let lead: string;
  let outsider: string;
  const channel = new RecordingChannel({ inboxId: 'sms-files', kinds: ['sms'] });
  let phone = 0;

  const customerWrites = async () => {
    phone += 1;
    const result = await stack.hub.ingest.ingest({
      channel: 'sms',
      inboxId: channel.inboxId,
      externalId: `SM-files-${phone}-${Date.now()}`,
      occurredAt: stack.hub.clock.now(),
      from: { externalId: `+1555020${phone}`, phone: `+1555020${phone}` },
      kind: 'message',
      text: 'Send me the invoice, please',
    });
    return result.conversationId;
  };

  const upload = async (
    conversationId: string,
    bytes: Buffer,
    options: { token?: string; filename?: string; contentType?: string } = {},
  ) => {
    const filename = encodeURIComponent(options.filename ?? 'invoice.pdf');
    const response = await fetch(
      `${stack.baseUrl}/api/conversations/${conversationId}/attachments?filename=${filename}`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${options.token ?? lead}`,
          'content-type': options.contentType ?? 'application/pdf',
        },
        body: new Uint8Array(bytes),
      },
    );
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const reply = async (conversationId: string, body: unknown) => {
    const response = await fetch(`${stack.baseUrl}/api/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${lead}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  before(async () => {
    stack = await startTestHub({ configOverrides: { ATTACHMENT_MAX_BYTES: String(MAX_BYTES) } });
    stack.hub.channels.registry.register(channel);
    const password = 'correct horse battery staple';
    const { agents, auth } = stack.hub.agents;
    await agents.createAgent({ email: 'lead@files.test', password, name: 'Lead', role: 'supervisor' }, null);
    await agents.createAgent({ email: 'out@files.test', password, name: 'Outsider', role: 'agent' }, null);
    lead = (await auth.login({ email: 'lead@files.test', password })).token;
    outsider = (await auth.login({ email: 'out@files.test', password })).token;
  });

  after(() => stack.close());

  it('sends an uploaded file through the channel and keeps it on the timeline', async () => {
    const conversationId = await customerWrites();
    const uploaded = await upload(conversationId, PDF);
    assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body));
    assert.deepEqual(
      { filename: uploaded.body.filename, contentType: uploaded.body.contentType, size: uploaded.body.size },
      { filename: 'invoice.pdf', contentType: 'application/pdf', size: PDF.length },
    );
    const sent = await reply(conversationId, { text: 'Here it is.', attachments: [uploaded.body.id] });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    const attachments = sent.body.attachments as { id: string; filename: string; storageKey: string }[];
    assert.equal(attachments.length, 1);
    assert.equal(attachments[0]!.filename, 'invoice.pdf');

    await eventually(() => Promise.resolve(channel.sent.find((m) => m.messageId === sent.body.id)));
    const outbound = channel.sent.find((m) => m.messageId === sent.body.id)!;
    assert.equal(outbound.text, 'Here it is.');
    assert.equal(outbound.attachments?.length, 1);
    const file = outbound.attachments[0]!;
    assert.equal(file.filename, 'invoice.pdf');
    assert.equal(file.contentType, 'application/pdf');
    assert.deepEqual(file.data, PDF);

    // The timeline entry's file downloads for an agent who can see the conversation, and not for others.
    const download = (token: string) =>
      fetch(`${stack.baseUrl}/api/attachments/${attachments[0]!.storageKey}`, {
        headers: { authorization: `Bearer ${token}` },
      });
    const mine = await download(lead);
    assert.equal(mine.status, 200);
    assert.deepEqual(Buffer.from(await mine.arrayBuffer()), PDF);
    assert.equal((await download(outsider)).status, 404);
  });

  it('answers 404 to an agent who cannot see the conversation, and stores nothing', async () => {
    const conversationId = await customerWrites();
    const before = await stack.hub.conversations.models.Message.db
      .collection('conversation_uploads')
      .countDocuments();
    const refused = await upload(conversationId, PDF, { token: outsider });
    assert.equal(refused.status, 404);
    const after = await stack.hub.conversations.models.Message.db
      .collection('conversation_uploads')
      .countDocuments();
    assert.equal(after, before);
  });

  it('refuses a file over ATTACHMENT_MAX_BYTES with 413 and a refused type with 415', async () => {
    const conversationId = await customerWrites();
    const big = await upload(conversationId, Buffer.alloc(MAX_BYTES + 1, 0x41), {
      contentType: 'text/plain',
    });
    assert.equal(big.status, 413);
    const html = await upload(conversationId, Buffer.from('<html><script>alert(1)</script></html>'), {
      filename: 'page.html',
      contentType: 'text/html',
    });
    assert.equal(html.status, 415);
    const disguised = await upload(conversationId, Buffer.from('<!DOCTYPE html><p>hi</p>'), {
      filename: 'photo.png',
      contentType: 'image/png',
    });
    assert.equal(disguised.status, 415);
  });

  it('refuses a reference uploaded for another conversation with 400, and adds no reply', async () => {
    const first = await customerWrites();
    const second = await customerWrites();
    const uploaded = await upload(first, PDF);
    assert.equal(uploaded.status, 201);
    const before = await stack.hub.conversations.timeline.listTimeline(second, { limit: 50 });
    const refused = await reply(second, { text: 'Wrong file', attachments: [uploaded.body.id] });
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    const missing = await reply(second, { text: 'No file', attachments: ['0123456789abcdef01234567'] });
    assert.equal(missing.status, 400);
    const after = await stack.hub.conversations.timeline.listTimeline(second, { limit: 50 });
    assert.equal(after.items.length, before.items.length);
  });
});
