import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { connectAgent, createTeam, type TestAgent } from '../support/agent-client';
import { call, loginAs } from './conversations-support';
import {
  allTimelineEntries,
  apiGet,
  FIXTURES,
  fixture,
  startForwarder,
  waitUntil,
  type Json,
} from '../support/social-support';
import {
  startTelegramTestHub,
  TG_BOT_TOKEN,
  TG_SECRET,
  type TelegramTestHub,
} from '../support/telegram-harness';

describe('Telegram through the whole hub (Bot API stub)', function () {
  this.timeout(60_000);
  let hub: TelegramTestHub | undefined;
  const agents: TestAgent[] = [];
  afterEach(async () => {
    agents.splice(0).forEach((agent) => agent.close());
    await hub?.close();
    hub = undefined;
  });

  it('offers a customer message to an agent, sends the reply by sendMessage and keeps the Telegram identity', async () => {
    hub = await startTelegramTestHub();
    const team = await createTeam(hub.running, 'Social');
    const alice = await connectAgent(hub.running, { email: 'alice@tg.test', teamIds: [team] });
    agents.push(alice);
    const delivery = await hub.stub.sendText({
      userId: 5550001,
      text: '请问几点开门？',
      firstName: '李雷',
      username: 'lilei',
    });
    assert.equal(delivery.status, 200);
    const offer = await alice.next('offer:new', undefined, 20_000);
    const conversationId = (offer.conversation as { id: string }).id;
    assert.equal((await alice.emit('offer:accept', { offerId: offer.offerId })).ok, true);

    const conversation = await apiGet(
      hub.running.baseUrl,
      alice.token,
      `/api/conversations/${conversationId}`,
    );
    const identity = (conversation.contact.identities as Json[]).find((i) => i.channel === 'telegram');
    assert.equal(identity.externalId, '5550001');
    assert.equal(identity.handle, '@lilei');

    const reply = await call(hub.running.baseUrl, 'POST', `/api/conversations/${conversationId}/messages`, {
      token: alice.token,
      body: { text: '我们每天 9 点开门。' },
    });
    assert.equal(reply.status, 201);
    const sent = await waitUntil(
      () => hub!.stub.sent.find((request) => request.text === '我们每天 9 点开门。'),
      'the reply at the Bot API',
    );
    assert.equal(sent.method, 'sendMessage');
    assert.equal(sent.chatId, '5550001');
    // Telegram has no delivery receipts: accepted by the Bot API is the final state (sent).
    const stored = await waitUntil(async () => {
      const entries = await allTimelineEntries(hub!.running.baseUrl, hub!.token);
      const entry = entries.find((item) => item.id === reply.body.id);
      return entry?.status === 'sent' ? entry : undefined;
    }, 'the reply to be sent');
    assert.equal(stored.externalId, `5550001:${sent.messageId}`);
  });

  it('stores duplicate and out-of-order updates once each, in the order the customer wrote them', async () => {
    hub = await startTelegramTestHub();
    const date = Math.floor(Date.now() / 1000);
    const update = (updateId: number, messageId: number, text: string) => ({
      update_id: updateId,
      message: {
        message_id: messageId,
        date,
        from: { id: 8080, is_bot: false, first_name: 'Han' },
        chat: { id: 8080, type: 'private' },
        text,
      },
    });
    const first = update(7001, 11, 'first');
    const second = update(7002, 12, 'second');
    const third = update(7003, 13, 'third');
    for (const item of [third, first, third, second, first])
      assert.equal((await hub.stub.deliver(item)).status, 200);
    const entries = await allTimelineEntries(hub.running.baseUrl, hub.token);
    assert.deepEqual(
      entries.map((entry) => entry.text),
      ['first', 'second', 'third'],
    );
  });

  it('refuses a wrong secret token with 403, stores nothing, then accepts the right one', async () => {
    hub = await startTelegramTestHub();
    const forged = await hub.stub.deliver(
      { update_id: 1, message: { message_id: 1, date: 1, chat: { id: 1, type: 'private' }, text: 'x' } },
      { secret: `${TG_SECRET}x` },
    );
    assert.equal(forged.status, 403);
    const unknownInbox = await fetch(`${hub.running.baseUrl}/webhooks/telegram/nope`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': TG_SECRET },
      body: '{}',
    });
    assert.equal(unknownInbox.status, 403);
    assert.deepEqual(await allTimelineEntries(hub.running.baseUrl, hub.token), []);
    assert.equal((await hub.stub.sendText({ userId: 1, text: 'ok' })).status, 200);
    assert.equal((await allTimelineEntries(hub.running.baseUrl, hub.token)).length, 1);
  });

  it('ingests every Telegram fixture: private messages stored, channel posts acknowledged and ignored', async () => {
    hub = await startTelegramTestHub();
    const names = readdirSync(path.join(FIXTURES, 'telegram')).filter((name) => name.endsWith('.json'));
    assert.ok(names.length >= 4);
    for (const name of names) {
      const delivery = await hub.stub.deliver(JSON.parse(fixture(`telegram/${name}`)));
      assert.equal(delivery.status, 200, name);
    }
    const entries = await allTimelineEntries(hub.running.baseUrl, hub.token);
    assert.deepEqual(entries.map((entry) => entry.externalId).sort(), ['111111:1', '111111:3', '111111:5']);
    const photo = entries.find((entry) => entry.externalId === '111111:3');
    assert.equal(photo.text, 'caption 123<b>abc</b>');
    assert.equal(photo.attachments.length, 1);
    assert.equal(
      entries.some((entry) => entry.text === 'Hello, I need your Help' && entry.externalId !== '111111:5'),
      false,
    );
  });

  it('registers the webhook by the admin action (setWebhook with the secret); agents may not', async () => {
    hub = await startTelegramTestHub();
    const admin = await loginAs(hub.running, { email: 'admin@tg.test', role: 'admin' });
    const agent = await loginAs(hub.running, { email: 'agent@tg.test', role: 'agent' });
    const refused = await call(hub.running.baseUrl, 'POST', '/api/connectors/telegram/telegram/webhook', {
      token: agent.token,
    });
    assert.equal(refused.status, 403);
    const done = await call(hub.running.baseUrl, 'POST', '/api/connectors/telegram/telegram/webhook', {
      token: admin.token,
    });
    assert.equal(done.status, 200);
    assert.equal(done.body.url, 'http://hub.test/webhooks/telegram/telegram');
    assert.equal(JSON.stringify(done.body).includes(TG_BOT_TOKEN), false);
    assert.deepEqual(hub.stub.webhook, {
      url: 'http://hub.test/webhooks/telegram/telegram',
      secret: TG_SECRET,
    });
  });

  it('downloads a customer photo through the media proxy (no token in the stored URL) and attaches it', async () => {
    const forwarder = await startForwarder();
    try {
      hub = await startTelegramTestHub({ PUBLIC_URL: forwarder.url });
      forwarder.target(hub.running.baseUrl);
      const bytes = Buffer.from('\xff\xd8\xff\xe0 fake jpeg bytes', 'latin1');
      assert.equal((await hub.stub.sendPhoto({ userId: 99, bytes, caption: '破损照片' })).status, 200);
      const entry = await waitUntil(async () => {
        const [first] = await allTimelineEntries(hub!.running.baseUrl, hub!.token);
        return first?.attachments?.[0]?.storageKey ? first : undefined;
      }, 'the photo to be fetched');
      const attachment = entry.attachments[0];
      assert.equal(entry.text, '破损照片');
      assert.equal(
        JSON.stringify(await hub.running.hub.connection.db!.collection('messages').find().toArray()).includes(
          TG_BOT_TOKEN,
        ),
        false,
      );
      const download = await fetch(`${hub.running.baseUrl}/api/attachments/${attachment.storageKey}`, {
        headers: { authorization: `Bearer ${hub.token}` },
      });
      assert.equal(download.status, 200);
      assert.deepEqual(Buffer.from(await download.arrayBuffer()), bytes);
      // The proxy itself refuses anyone without the fetch job's bearer.
      const proxied = await fetch(`${hub.running.baseUrl}/media-proxy/telegram/telegram/stub-photo-1`);
      assert.equal(proxied.status, 403);
    } finally {
      await forwarder.close();
    }
  });

  it('sends through an admin-configured bot inbox (factory) and checks that inbox’s own secret', async () => {
    hub = await startTelegramTestHub();
    const inbox = await hub.running.hub.channels.inboxes.create({
      name: 'Second bot',
      channel: 'telegram',
      address: '@second_bot',
      credentials: { botToken: TG_BOT_TOKEN, webhookSecret: 'second-bot-secret_123456' },
    } as never);
    const post = (secret: string) =>
      fetch(`${hub!.running.baseUrl}/webhooks/telegram/${inbox.id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
        body: JSON.stringify({
          update_id: 1,
          message: {
            message_id: 77,
            date: 1700000000,
            from: { id: 31337 },
            chat: { id: 31337, type: 'private' },
            text: 'hi',
          },
        }),
      });
    assert.equal((await post(TG_SECRET)).status, 403);
    assert.equal((await post('second-bot-secret_123456')).status, 200);
    const [entry] = await allTimelineEntries(hub.running.baseUrl, hub.token);
    assert.equal(entry.inboxId, inbox.id);
    const reply = await call(
      hub.running.baseUrl,
      'POST',
      `/api/conversations/${entry.conversationId}/messages`,
      {
        token: hub.token,
        body: { text: 'from the second bot' },
      },
    );
    assert.equal(reply.status, 201);
    await waitUntil(
      () => hub!.stub.sent.find((request) => request.text === 'from the second bot'),
      'the send',
    );
  });
});
