import assert from 'node:assert/strict';
import { apiGet, waitUntil, type Json } from '../support/social-support';
import { CUSTOMER, sendAsCustomer, startMetaTestHub, type MetaTestHub } from '../support/meta-harness';
import { startWechatTestHub, type WechatTestHub } from '../support/wechat-harness';
import { call } from './conversations-support';

describe('reply windows through the reply API', function () {
  this.timeout(90_000);
  let meta: MetaTestHub | undefined;
  let wechat: WechatTestHub | undefined;
  afterEach(async () => {
    await meta?.close();
    await wechat?.close();
    meta = undefined;
    wechat = undefined;
  });

  async function conversationOf(baseUrl: string, token: string): Promise<Json> {
    const list = await apiGet(baseUrl, token, '/api/conversations?limit=10');
    return apiGet(baseUrl, token, `/api/conversations/${list.items[0].id}`);
  }

  it('WhatsApp: refuses free text 25 h after the customer wrote, with the reason; the template path succeeds', async () => {
    meta = await startMetaTestHub();
    const { running, token, stub } = meta;
    assert.equal((await sendAsCustomer(stub, 'whatsapp', '还在吗', Date.now() - 25 * 3_600_000)).status, 200);
    const conversation = await conversationOf(running.baseUrl, token);
    assert.equal(conversation.replyWindow.open, false);
    assert.equal(conversation.replyWindow.mode, 'template-only');
    assert.ok(conversation.replyWindow.allowedTemplates.some((t: Json) => t.name === 'follow_up'));
    const path = `/api/conversations/${conversation.id}/messages`;
    const refused = await call(running.baseUrl, 'POST', path, { token, body: { text: '您好' } });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.details.reason, 'TEMPLATE_REQUIRED');
    const template = await call(running.baseUrl, 'POST', path, {
      token,
      body: { template: { name: 'follow_up', variables: ['王芳'] } },
    });
    assert.equal(template.status, 201, JSON.stringify(template.body));
    assert.equal(template.body.text, '您好 王芳，关于您的问题我们有新的进展，请回复此消息继续沟通。');
    const sent = await waitUntil(
      () => stub.sends.find((send) => send.type === 'template'),
      'the template send',
    );
    assert.equal(sent.template?.name, 'follow_up');
    assert.deepEqual(sent.template?.components, [
      { type: 'body', parameters: [{ type: 'text', text: '王芳' }] },
    ]);
    assert.equal(sent.to, CUSTOMER.whatsapp);
    await waitUntil(async () => {
      const timeline = await apiGet(running.baseUrl, token, `/api/conversations/${conversation.id}/timeline`);
      return (timeline.items as Json[]).find(
        (item) => item.id === template.body.id && item.status === 'delivered',
      );
    }, 'the template delivered');
  });

  it('Messenger: a reply 30 h after the customer wrote goes with the HUMAN_AGENT tag; within 24 h as a response', async () => {
    meta = await startMetaTestHub();
    const { running, token, stub } = meta;
    await sendAsCustomer(stub, 'messenger', '在吗', Date.now() - 30 * 3_600_000);
    const conversation = await conversationOf(running.baseUrl, token);
    assert.equal(conversation.replyWindow.mode, 'human-agent');
    assert.ok(conversation.replyWindow.msLeft > 0);
    const path = `/api/conversations/${conversation.id}/messages`;
    assert.equal(
      (await call(running.baseUrl, 'POST', path, { token, body: { text: '抱歉久等了' } })).status,
      201,
    );
    const tagged = await waitUntil(
      () => stub.sends.find((send) => send.text === '抱歉久等了'),
      'the tagged send',
    );
    assert.deepEqual([tagged.messagingType, tagged.tag], ['MESSAGE_TAG', 'HUMAN_AGENT']);
    await sendAsCustomer(stub, 'messenger', '好的');
    assert.equal((await call(running.baseUrl, 'POST', path, { token, body: { text: '收到' } })).status, 201);
    const plain = await waitUntil(() => stub.sends.find((send) => send.text === '收到'), 'the standard send');
    assert.deepEqual([plain.messagingType, plain.tag], ['RESPONSE', undefined]);
  });

  it('WeChat: the sixth reply to one customer message is refused (REPLY_LIMIT_REACHED)', async () => {
    wechat = await startWechatTestHub();
    const { running, token, stub } = wechat;
    await stub.sendText({ openId: 'oLimitTest_000001', text: '你好' });
    const conversation = await conversationOf(running.baseUrl, token);
    assert.equal(conversation.replyWindow.repliesLeft, 5);
    const path = `/api/conversations/${conversation.id}/messages`;
    for (let i = 1; i <= 5; i++)
      assert.equal(
        (await call(running.baseUrl, 'POST', path, { token, body: { text: `回复 ${i}` } })).status,
        201,
      );
    const sixth = await call(running.baseUrl, 'POST', path, { token, body: { text: '回复 6' } });
    assert.equal(sixth.status, 409);
    assert.equal(sixth.body.error.details.reason, 'REPLY_LIMIT_REACHED');
    await waitUntil(() => stub.sends.length === 5 || undefined, 'five sends');
    // A note is never limited.
    assert.equal(
      (await call(running.baseUrl, 'POST', path, { token, body: { text: 'note', private: true } })).status,
      201,
    );
  });
});
