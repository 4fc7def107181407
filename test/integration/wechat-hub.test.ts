import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { wechatSignature } from '../../connectors/wechat';
import { connectAgent, createTeam, type TestAgent } from '../support/agent-client';
import {
  allTimelineEntries,
  apiGet,
  FIXTURES,
  fixture,
  waitUntil,
  type Json,
} from '../support/social-support';
import { startTestHub, uniqueId, type RunningTestHub } from '../support/test-stack';
import {
  startWechatStub,
  startWechatTestHub,
  wechatConfig,
  WX,
  type WechatTestHub,
} from '../support/wechat-harness';
import { call } from './conversations-support';

describe('WeChat Official Account through the whole hub (WeChat API stub)', function () {
  this.timeout(90_000);
  let hub: WechatTestHub | undefined;
  const agents: TestAgent[] = [];
  afterEach(async () => {
    agents.splice(0).forEach((agent) => agent.close());
    await hub?.close();
    hub = undefined;
  });
  const entries = () => allTimelineEntries(hub!.running.baseUrl, hub!.token);

  it('answers `success`, offers the message, and sends the reply through the 客服消息 API (safe mode)', async () => {
    hub = await startWechatTestHub();
    const team = await createTeam(hub.running, 'WeChat');
    const alice = await connectAgent(hub.running, { email: 'alice@wx.test', teamIds: [team] });
    agents.push(alice);
    const delivery = await hub.stub.sendText({
      openId: 'oCustomerOpenId_0001',
      text: '我要投诉，快递三天没动',
    });
    assert.deepEqual([delivery.status, delivery.body], [200, 'success']);
    const offer = await alice.next('offer:new', undefined, 20_000);
    const conversationId = (offer.conversation as { id: string }).id;
    assert.equal((await alice.emit('offer:accept', { offerId: offer.offerId })).ok, true);
    const conversation = await apiGet(
      hub.running.baseUrl,
      alice.token,
      `/api/conversations/${conversationId}`,
    );
    assert.ok(
      (conversation.contact.identities as Json[]).some(
        (i) => i.channel === 'wechat' && i.externalId === 'oCustomerOpenId_0001',
      ),
    );
    const reply = await call(hub.running.baseUrl, 'POST', `/api/conversations/${conversationId}/messages`, {
      token: alice.token,
      body: { text: '非常抱歉，我们马上处理。' },
    });
    assert.equal(reply.status, 201);
    await waitUntil(
      () => hub!.stub.sends.find((send) => send.text === '非常抱歉，我们马上处理。'),
      'the custom send',
    );
    // WeChat reports no delivery: accepted by the API is final (sent).
    await waitUntil(
      async () => (await entries()).find((entry) => entry.id === reply.body.id && entry.status === 'sent'),
      'sent',
    );
  });

  it('stores retried and out-of-order messages once each, ordered by CreateTime', async () => {
    hub = await startWechatTestHub({ mode: 'plain' });
    const now = Math.floor(Date.now() / 1000);
    const xml = (msgId: string, at: number, text: string) =>
      `<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[oOrderTest_01]]></FromUserName><CreateTime>${at}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${text}]]></Content><MsgId>${msgId}</MsgId></xml>`;
    const a = xml('7000000000000000001', now - 30, 'a');
    const b = xml('7000000000000000002', now - 20, 'b');
    const c = xml('7000000000000000003', now - 10, 'c');
    for (const body of [c, a, c, b, a]) assert.equal((await hub.stub.deliverXml(body)).body, 'success');
    assert.deepEqual(
      (await entries()).map((entry) => entry.text),
      ['a', 'b', 'c'],
    );
  });

  it('refuses bad signatures with 403 and stores nothing; verifies the server with echostr', async () => {
    hub = await startWechatTestHub();
    const xml = `<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[oForged_0001]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[x]]></Content><MsgId>1</MsgId></xml>`;
    assert.equal((await hub.stub.deliverXml(xml, { badSignature: true })).status, 403);
    assert.equal((await hub.stub.deliverXml(xml, { unsigned: true, mode: 'plain' })).status, 403);
    // A safe-mode body whose Encrypt was altered after signing: msg_signature no longer matches.
    const altered = await fetch(
      `${hub.running.baseUrl}/webhooks/wechat/wechat?signature=${wechatSignature([WX.token, '1', '2'])}&timestamp=1&nonce=2&encrypt_type=aes&msg_signature=${wechatSignature([WX.token, '1', '2', 'AAAA'])}`,
      {
        method: 'POST',
        body: '<xml><Encrypt><![CDATA[BBBB]]></Encrypt></xml>',
      },
    );
    assert.equal(altered.status, 403);
    assert.deepEqual(await entries(), []);
    const ts = '1409735669';
    const nonce = '1320562132';
    const good = await fetch(
      `${hub.running.baseUrl}/webhooks/wechat/wechat?signature=${wechatSignature([WX.token, ts, nonce])}&timestamp=${ts}&nonce=${nonce}&echostr=ECHO123`,
    );
    assert.equal(await good.text(), 'ECHO123');
    const bad = await fetch(
      `${hub.running.baseUrl}/webhooks/wechat/wechat?signature=${'0'.repeat(40)}&timestamp=${ts}&nonce=${nonce}&echostr=ECHO`,
    );
    assert.equal(bad.status, 403);
  });

  it('ingests every WeChat fixture, including the official safe-mode sample through an admin-configured account', async () => {
    hub = await startWechatTestHub({ mode: 'plain' });
    const sample = JSON.parse(fixture('wechat/signature_test_vectors.json')).encrypted_mode_official_sample;
    const inbox = await hub.running.hub.channels.inboxes.create({
      name: 'Official sample account',
      channel: 'wechat',
      address: 'gh_10f6c3c3ac5a',
      credentials: {
        appId: sample.appid,
        appSecret: 'sample-secret',
        token: sample.token,
        encodingAesKey: sample.encoding_aes_key,
      },
    } as never);
    const query = new URLSearchParams({
      signature: wechatSignature([sample.token, sample.timestamp, sample.nonce]),
      timestamp: sample.timestamp,
      nonce: sample.nonce,
      encrypt_type: 'aes',
      msg_signature: sample.msg_signature,
    });
    const safe = await fetch(`${hub.running.baseUrl}/webhooks/wechat/${inbox.id}?${query.toString()}`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: fixture('wechat/inbound_encrypted_safe_mode.xml'),
    });
    assert.deepEqual([safe.status, await safe.text()], [200, 'success']);
    const names = readdirSync(path.join(FIXTURES, 'wechat')).filter(
      (name) => name.endsWith('.xml') && !name.includes('encrypted'),
    );
    for (const name of names) {
      const delivery = await hub.stub.deliverXml(fixture(`wechat/${name}`));
      assert.deepEqual([delivery.status, delivery.body], [200, 'success'], name);
    }
    const stored = await entries();
    const decrypted = stored.find((entry) => entry.externalId === '6054768590064713728');
    assert.equal(decrypted?.text, 'abcdteT');
    assert.equal(decrypted?.inboxId, inbox.id);
    const ids = stored.map((entry) => entry.externalId as string);
    assert.equal(new Set(ids).size, ids.length);
    // text (3 fixtures, two share MsgId 1234567890123456 with the image/voice fixtures: one entry per id),
    // events: subscribe ×2, scan, click (LOCATION reports ignored).
    assert.ok(ids.includes('6349323426230210995'));
    assert.ok(ids.includes('FromUser:123456789:subscribe'));
    assert.ok(ids.includes('FromUser:123456789:SCAN'));
    assert.ok(ids.includes('FromUser:123456789:CLICK'));
    assert.equal(
      ids.some((id) => id.endsWith(':LOCATION')),
      false,
    );
  });

  it('two hub processes sharing Redis make exactly one token request per expiry under concurrent sends', async () => {
    const { stub, server } = await startWechatStub({ tokenExpiresIn: 20 });
    const shared = { MONGODB_DB: `test_${uniqueId()}`, QUEUE_PREFIX: `test-${uniqueId()}` };
    const hubs: RunningTestHub[] = [];
    try {
      for (let i = 0; i < 2; i++)
        hubs.push(await startTestHub({ configOverrides: { ...wechatConfig(server.url), ...shared } }));
      for (let i = 0; i < 12; i++) stub.meetCustomer(`oTokenTest_${i}`);
      const channels = await Promise.all(
        hubs.map((h) => h.hub.channels.registry.resolve({ inboxId: 'wechat', channel: 'wechat' })),
      );
      const burst = (round: number) =>
        Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            channels[i % 2]!.send({
              messageId: `tok-${round}-${i}`,
              channel: 'wechat',
              inboxId: 'wechat',
              to: { externalId: `oTokenTest_${i}` },
              text: `round ${round} message ${i}`,
            }),
          ),
        );
      await burst(1);
      assert.equal(stub.tokenRequests(), 1);
      assert.equal(stub.sends.length, 12);
      // The token is cached for its lifetime minus the refresh margin (here 20 s − 10 s, long enough for a burst on a loaded machine): after that, one refresh.
      const key = `${shared.QUEUE_PREFIX}:wechat:access-token:${WX.appId}`;
      await waitUntil(
        async () => (await hubs[0]!.hub.redis.exists(key)) === 0,
        'the cached token to expire',
        20_000,
      );
      await burst(2);
      assert.equal(stub.tokenRequests(), 2);
      assert.equal(stub.sends.length, 24);
    } finally {
      for (const running of hubs.reverse()) await running.close();
      await server.close();
    }
  });
});
