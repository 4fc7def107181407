import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ATTACHMENTS_FETCH_QUEUE, fetchJobId } from '../../server/modules/attachments';
import { startTestHub, type RunningTestHub } from '../support/test-stack';

/** A provider media server: serves fixed bodies, records requests, and can require basic auth. */
async function startMediaStub() {
  const requests: { url: string; authorization?: string }[] = [];
  const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2_000, 7)]);
  const server: Server = createServer((req, res) => {
    requests.push({
      url: req.url ?? '',
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    if (req.url === '/media/photo.jpg') {
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': jpeg.length });
      return res.end(jpeg);
    }
    if (req.url === '/media/private.jpg') {
      const expected = `Basic ${Buffer.from('AC123:secret').toString('base64')}`;
      if (req.headers.authorization !== expected) return res.writeHead(401).end();
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      return res.end(jpeg);
    }
    if (req.url === '/media/huge-chunked') {
      // No content-length: the limit must hold while streaming.
      res.writeHead(200, { 'content-type': 'video/mp4' });
      for (let i = 0; i < 20; i += 1) res.write(Buffer.alloc(1_000, 1));
      return res.end();
    }
    if (req.url === '/media/page.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<!doctype html><script>alert(1)</script>');
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: (path: string, host = '127.0.0.1') =>
      `http://${host}:${(server.address() as AddressInfo).port}${path}`,
    requests,
    jpeg,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function eventually<T>(check: () => Promise<T | null | undefined | false>): Promise<T> {
  for (;;) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('attachments: download route and provider media fetch', () => {
  let stack: RunningTestHub;
  let media: Awaited<ReturnType<typeof startMediaStub>>;
  let token: string;
  let agentId: string;
  let counter = 0;

  before(async () => {
    media = await startMediaStub();
    stack = await startTestHub({
      configOverrides: { ATTACHMENT_MAX_BYTES: '10000', ATTACHMENT_FETCH_TIMEOUT_MS: '1500' },
    });
    stack.hub.attachments.mediaSources.register({
      name: 'test provider',
      origin: media.url('/'),
      authFor: ({ inboxId }) =>
        Promise.resolve(
          inboxId === 'private-inbox' ? { type: 'basic', username: 'AC123', password: 'secret' } : null,
        ),
    });
    const email = 'agent@example.test';
    const password = 'correct horse battery staple';
    agentId = (
      await stack.hub.agents.agents.createAgent({ email, password, name: 'Agent', role: 'agent' }, null)
    ).id;
    token = (await stack.hub.agents.auth.login({ email, password })).token;
  });
  after(async () => {
    await stack.close();
    await media.close();
  });

  const download = (key: string, withToken = true) =>
    fetch(`${stack.baseUrl}/api/attachments/${key}`, {
      headers: withToken ? { authorization: `Bearer ${token}` } : {},
    });

  /** An inbound MMS carrying a provider media URL; resolves with the stored message id. */
  const mmsWith = async (url: string, contentType: string, inboxId = 'mms-inbox') => {
    counter += 1;
    const phone = `+1555040${String(counter).padStart(4, '0')}`;
    const { messageId } = await stack.hub.ingest.ingest({
      channel: 'sms',
      inboxId,
      externalId: `MM-${counter}`,
      occurredAt: stack.hub.clock.now(),
      from: { externalId: phone, phone },
      kind: 'message',
      text: 'see picture',
      attachments: [{ url, contentType, filename: 'photo.jpg' }],
    });
    return messageId;
  };

  const failedFetch = (messageId: string, url: string) =>
    eventually(async () => {
      const job = await stack.hub.queues.queue(ATTACHMENTS_FETCH_QUEUE).getJob(fetchJobId(messageId, url));
      return job && (await job.isFailed()) ? job : null;
    });

  it('serves a stored attachment only to an agent who can see its conversation, as a download', async () => {
    counter += 1;
    const phone = `+1555041${String(counter).padStart(4, '0')}`;
    const { conversationId, messageId } = await stack.hub.ingest.ingest({
      channel: 'sms',
      inboxId: 'mms-inbox',
      externalId: `MM-${counter}`,
      occurredAt: stack.hub.clock.now(),
      from: { externalId: phone, phone },
      kind: 'message',
      text: 'my invoice',
      attachments: [
        { data: Buffer.from('%PDF-1.7 invoice'), filename: '发票 2026.pdf', contentType: 'application/pdf' },
      ],
    });
    const message = await stack.hub.conversations.timeline.getMessage(messageId);
    const storageKey = message.attachments[0]!.storageKey!;
    const anonymous = await download(storageKey, false);
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();

    const notTheirs = await download(storageKey);
    assert.equal(notTheirs.status, 404, 'another team’s conversation: as if the file did not exist');
    await notTheirs.body?.cancel();

    await stack.hub.conversations.conversations.assign(conversationId, { assigneeId: agentId, teamId: null });
    const response = await download(storageKey);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/pdf');
    assert.match(response.headers.get('content-disposition') ?? '', /^attachment;/);
    assert.match(response.headers.get('content-disposition') ?? '', /filename\*=UTF-8''%E5%8F%91%E7%A5%A8/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(await response.text(), '%PDF-1.7 invoice');
  });

  it('answers 404 for a stored file no message holds', async () => {
    const orphan = await stack.hub.attachments.store.put(Buffer.from('%PDF-1.7 orphan'), {
      filename: 'orphan.pdf',
      contentType: 'application/pdf',
    });
    const response = await download(orphan.storageKey);
    assert.equal(response.status, 404);
    await response.body?.cancel();
  });

  it('answers 404 for an unknown key and 400 for a malformed one', async () => {
    const unknown = await download('0'.repeat(32));
    assert.equal(unknown.status, 404);
    await unknown.body?.cancel();
    const malformed = await download('..%2F..%2Fetc%2Fpasswd');
    assert.equal(malformed.status, 400);
    await malformed.body?.cancel();
  });

  it('fetches provider media into the store and links it to its message', async () => {
    const url = media.url('/media/photo.jpg');
    const messageId = await mmsWith(url, 'image/jpeg');
    const linked = await eventually(async () => {
      const message = await stack.hub.conversations.timeline.findMessage(messageId);
      return message?.attachments[0]?.storageKey ? message.attachments[0] : null;
    });
    assert.equal(linked.size, media.jpeg.length);
    const { conversationId } = await stack.hub.conversations.timeline.getMessage(messageId);
    await stack.hub.conversations.conversations.assign(conversationId, { assigneeId: agentId, teamId: null });
    const response = await download(linked.storageKey!);
    assert.equal(response.status, 200);
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), media.jpeg);
  });

  it('sends the receiving inbox’s credentials, looked up at download time, and only those', async () => {
    const url = media.url('/media/private.jpg');
    // Another inbox's message: no credentials for it, the provider answers 401, a permanent failure.
    const refused = await mmsWith(url, 'image/jpeg');
    await failedFetch(refused, url);
    const messageId = await mmsWith(url, 'image/jpeg', 'private-inbox');
    await eventually(
      async () => (await stack.hub.conversations.timeline.findMessage(messageId))?.attachments[0]?.storageKey,
    );
    assert.ok(
      media.requests.some((r) => r.url === '/media/private.jpg' && r.authorization?.startsWith('Basic ')),
    );
    const job = await stack.hub.queues.queue(ATTACHMENTS_FETCH_QUEUE).getJob(fetchJobId(refused, url));
    assert.equal(JSON.stringify(job?.data).includes('secret'), false, 'no credentials in Redis');
  });

  it('never fetches from an origin no connector registered (SSRF)', async () => {
    const url = media.url('/media/photo.jpg?unregistered', 'localhost');
    const messageId = await mmsWith(url, 'image/jpeg');
    const job = await failedFetch(messageId, url);
    assert.match(String(job.failedReason), /not a registered media source/);
    assert.equal(job.attemptsMade, 1, 'refused at once');
    assert.equal(
      media.requests.some((r) => r.url.includes('unregistered')),
      false,
      'no request left the hub',
    );
  });

  it('refuses media over the size limit while streaming, storing nothing', async () => {
    const url = media.url('/media/huge-chunked');
    const messageId = await mmsWith(url, 'video/mp4');
    const job = await failedFetch(messageId, url);
    assert.match(String(job.failedReason), /larger than 10000 bytes/);
    assert.equal(job.attemptsMade, 1, 'a size refusal is permanent: no retries');
    const message = await stack.hub.conversations.timeline.findMessage(messageId);
    assert.equal(message?.attachments[0]?.storageKey, undefined);
  });

  it('refuses media whose type is not allowed', async () => {
    const url = media.url('/media/page.html');
    const messageId = await mmsWith(url, 'text/html');
    const job = await failedFetch(messageId, url);
    assert.match(String(job.failedReason), /not accepted|cannot be stored/);
    assert.equal(
      (await stack.hub.conversations.timeline.findMessage(messageId))?.attachments[0]?.storageKey,
      undefined,
    );
  });

  it('leaves no refused download behind to fail later, when its timeout fires', async () => {
    // The refusals above abandoned their downloads; each download's timeout (1.5 s here) fires during this
    // wait. A body left open would then error with nobody listening, an uncaught error failing this test.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  });

  it('gives up at once on media the provider says does not exist', async () => {
    const url = media.url('/media/gone.jpg');
    const messageId = await mmsWith(url, 'image/jpeg');
    const job = await failedFetch(messageId, url);
    assert.match(String(job.failedReason), /404/);
    assert.equal(job.attemptsMade, 1);
  });
});
