/**
 * Unsent agent uploads are deleted after UPLOAD_UNSENT_TTL_HOURS by a sweep the worker runs on a timer
 * (UPLOAD_CLEANUP_INTERVAL_MS): record and stored bytes. A sent upload and a fresh one stay; an old upload
 * a reply picks up just before the sweep is touched by that reply and stays too.
 */
import assert from 'node:assert/strict';
import { RecordingChannel } from '../support/recording-channel';
import { startTestHub, type RunningTestHub } from '../support/test-stack';

const HOUR = 3_600_000;
const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(1024, 0x42), Buffer.from('\n%%EOF')]);

async function eventually<T>(what: string, check: () => Promise<T | null | undefined | false>): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('cleanup of uploads that are never sent', function () {
  this.timeout(60_000);
  let stack: RunningTestHub;
  let token: string;
  const channel = new RecordingChannel({ inboxId: 'sms-cleanup', kinds: ['sms'] });
  let phone = 0;

  const uploads = () => stack.hub.conversations.models.Message.db.collection('conversation_uploads');

  const customerWrites = async () => {
    phone += 1;
    const result = await stack.hub.ingest.ingest({
      channel: 'sms',
      inboxId: channel.inboxId,
      externalId: `SM-cleanup-${phone}-${Date.now()}`,
      occurredAt: stack.hub.clock.now(),
      from: { externalId: `+1555030${phone}`, phone: `+1555030${phone}` },
      kind: 'message',
      text: 'The contract, please',
    });
    return result.conversationId;
  };

  const upload = async (conversationId: string, filename: string) => {
    const response = await fetch(
      `${stack.baseUrl}/api/conversations/${conversationId}/attachments?filename=${filename}`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/pdf' },
        body: new Uint8Array(PDF),
      },
    );
    assert.equal(response.status, 201);
    const reference = (await response.json()) as { id: string };
    const record = await stack.hub.conversations.models.Message.db
      .collection('conversation_uploads')
      .findOne({ filename });
    assert.ok(record, 'the upload is recorded');
    return { id: reference.id, storageKey: record.storageKey as string };
  };

  const reply = async (conversationId: string, attachments: string[]) => {
    const response = await fetch(`${stack.baseUrl}/api/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'Attached.', attachments }),
    });
    assert.equal(response.status, 201, await response.clone().text());
    return (await response.json()) as { id: string };
  };

  /** Moves an upload's clock back, as if it was uploaded (or last resolved) `ms` ago. */
  const age = async (filename: string, ms: number) => {
    const past = new Date(Date.now() - ms);
    await uploads().updateOne({ filename }, { $set: { createdAt: past, touchedAt: past } });
  };

  const stored = (storageKey: string) => stack.hub.attachments.store.stat(storageKey);

  before(async () => {
    stack = await startTestHub({
      configOverrides: { UPLOAD_UNSENT_TTL_HOURS: '1', UPLOAD_CLEANUP_INTERVAL_MS: '200' },
    });
    stack.hub.channels.registry.register(channel);
    const password = 'correct horse battery staple';
    await stack.hub.agents.agents.createAgent(
      { email: 'lead@cleanup.test', password, name: 'Lead', role: 'supervisor' },
      null,
    );
    token = (await stack.hub.agents.auth.login({ email: 'lead@cleanup.test', password })).token;
  });

  after(() => stack.close());

  it('deletes an old unsent upload (record and bytes) and keeps a sent one and a fresh one', async () => {
    const conversationId = await customerWrites();
    const sent = await upload(conversationId, 'sent.pdf');
    const old = await upload(conversationId, 'old.pdf');
    const fresh = await upload(conversationId, 'fresh.pdf');
    const message = await reply(conversationId, [sent.id]);
    await eventually('the reply at the channel', () =>
      Promise.resolve(channel.sent.find((m) => m.messageId === message.id)),
    );
    await age('sent.pdf', 2 * HOUR);
    await age('old.pdf', 2 * HOUR);
    await age('fresh.pdf', 10 * 60_000);

    // The worker's timer sweeps on its own: wait for the old upload to go.
    await eventually('the old upload to be deleted', async () => {
      const record = await uploads().findOne({ filename: 'old.pdf' });
      return !record && (await stored(old.storageKey)) === null;
    });

    const sentRecord = await eventually('the sent upload marked sent', async () => {
      const record = await uploads().findOne({ filename: 'sent.pdf' });
      return record?.sentAt ? record : undefined;
    });
    assert.ok(sentRecord.sentAt instanceof Date);
    assert.ok(await stored(sent.storageKey), 'a sent file keeps its bytes');
    assert.ok(await uploads().findOne({ filename: 'fresh.pdf' }), 'a fresh upload stays');
    assert.ok(await stored(fresh.storageKey), 'and keeps its bytes');

    // The timeline's copy still downloads.
    const download = await fetch(`${stack.baseUrl}/api/attachments/${sent.storageKey}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(download.status, 200);
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), PDF);
  });

  it('keeps an old upload that a reply resolves (the reply touches it), and sends it', async () => {
    const conversationId = await customerWrites();
    const late = await upload(conversationId, 'late.pdf');
    await age('late.pdf', 2 * HOUR);
    // Between the age and the reply, a sweep may already have taken it: then the reply is refused (400)
    // and nothing is sent. Stop the timer so the test decides the order: reply first, then sweep.
    stack.hub.conversations.uploadCleanup.stop();
    try {
      const message = await reply(conversationId, [late.id]);
      const pass = await stack.hub.conversations.uploadCleanup.sweep();
      assert.equal(pass.deleted, 0);
      assert.ok(await uploads().findOne({ filename: 'late.pdf' }), 'the record stays');
      assert.ok(await stored(late.storageKey), 'the bytes stay');
      const outbound = await eventually('the reply at the channel', () =>
        Promise.resolve(channel.sent.find((m) => m.messageId === message.id)),
      );
      assert.deepEqual(outbound.attachments?.[0]?.data, PDF);
    } finally {
      stack.hub.conversations.uploadCleanup.start();
    }
  });

  it('refuses a reply that names an upload the sweep already deleted, and sends nothing', async () => {
    const conversationId = await customerWrites();
    const gone = await upload(conversationId, 'gone.pdf');
    stack.hub.conversations.uploadCleanup.stop();
    try {
      await age('gone.pdf', 2 * HOUR);
      const pass = await stack.hub.conversations.uploadCleanup.sweep();
      assert.ok(pass.deleted >= 1);
      const response = await fetch(`${stack.baseUrl}/api/conversations/${conversationId}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'Attached.', attachments: [gone.id] }),
      });
      assert.equal(response.status, 400);
    } finally {
      stack.hub.conversations.uploadCleanup.start();
    }
  });
});
