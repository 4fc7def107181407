import assert from 'node:assert/strict';
import { createManualClock } from '../../server/lib/clock';
import { apiGet, waitUntil, type Json } from '../support/social-support';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import {
  startTwilioStub,
  STUB_ACCOUNT_SID,
  STUB_AUTH_TOKEN,
  type RunningTwilioStub,
} from '../support/twilio-stub';
import { call, loginAs } from './conversations-support';

const CUSTOMER = '+8613900139000';
const HUB_PUBLIC_URL = 'http://hub.test';
const FOLLOW_UP_SID = `HX${'a'.repeat(32)}`;
const ORDER_SID = `HX${'b'.repeat(32)}`;
/** The inbox's approved Content templates, as an operator configures them. */
const TEMPLATES = [
  {
    name: 'follow_up',
    language: 'zh_CN',
    body: '您好 {{1}}，关于您的问题我们有新的进展。',
    contentSid: FOLLOW_UP_SID,
  },
  { name: 'order_update', language: 'zh_CN', body: '您的订单 {{1}} 状态：{{2}}。', contentSid: ORDER_SID },
];

describe('WhatsApp through Twilio: reply window and Content templates (whole hub, Twilio stub)', function () {
  this.timeout(60_000);
  const now = new Date();
  const clock = createManualClock(new Date(now.getTime() - 25 * 3_600_000));
  let stub: RunningTwilioStub | undefined;
  let running: RunningTestHub | undefined;
  afterEach(async () => {
    await stub?.close();
    await running?.close();
    stub = undefined;
    running = undefined;
  });

  async function start(templates: string | undefined) {
    clock.set(new Date(now.getTime() - 25 * 3_600_000));
    stub = await startTwilioStub({
      publicUrl: HUB_PUBLIC_URL,
      statusDelayMs: 20,
      now: () => clock.now(),
      contentTemplates: TEMPLATES.map((t) => ({
        ...t,
        variables: t.body.split('{{').length - 1,
        providerId: t.contentSid,
      })),
    });
    running = await startTestHub({
      clock,
      configOverrides: {
        PUBLIC_URL: HUB_PUBLIC_URL,
        TWILIO_ACCOUNT_SID: STUB_ACCOUNT_SID,
        TWILIO_AUTH_TOKEN: STUB_AUTH_TOKEN,
        TWILIO_PHONE_NUMBER: stub.stub.phoneNumber,
        TWILIO_WHATSAPP_NUMBER: stub.stub.whatsappNumber,
        TWILIO_API_BASE: stub.url,
        ...(templates ? { TWILIO_WHATSAPP_TEMPLATES: templates } : {}),
      },
    });
    stub.stub.setDeliverTo(running.baseUrl);
    // The customer wrote 25 hours ago (hub and stub share the clock), then time moves to now.
    const inbound = await stub.stub.sendInboundMessage({
      from: `whatsapp:${CUSTOMER}`,
      body: '我的订单呢？',
    });
    assert.equal(inbound.status, 200);
    clock.set(now);
    const { token } = await loginAs(running, { email: `sup-${Date.now()}@example.com`, role: 'supervisor' });
    const list = await apiGet(running.baseUrl, token, '/api/conversations?limit=5');
    const conversation = await apiGet(running.baseUrl, token, `/api/conversations/${list.items[0].id}`);
    return { token, conversation, path: `/api/conversations/${conversation.id}/messages` };
  }

  it('refuses free text 25 h after the customer wrote, offers the inbox’s templates, and sends one by ContentSid', async () => {
    const { token, conversation, path } = await start(JSON.stringify(TEMPLATES));
    const base = running!.baseUrl;
    assert.equal(conversation.replyWindow.channel, 'whatsapp');
    assert.deepEqual(
      [conversation.replyWindow.open, conversation.replyWindow.mode],
      [false, 'template-only'],
    );
    assert.deepEqual(
      (conversation.replyWindow.allowedTemplates as Json[]).map((t) => [t.name, t.variables, t.providerId]),
      [
        ['follow_up', 1, FOLLOW_UP_SID],
        ['order_update', 2, ORDER_SID],
      ],
    );

    const refused = await call(base, 'POST', path, { token, body: { text: '您好，还需要帮助吗？' } });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.details.reason, 'TEMPLATE_REQUIRED');
    assert.match(refused.body.error.message, /approved template/);
    const missing = await call(base, 'POST', path, {
      token,
      body: { template: { name: 'order_update', variables: ['A-1001'] } },
    });
    assert.equal(missing.status, 409);
    assert.equal(missing.body.error.details.reason, 'TEMPLATE_VARIABLES');
    const unknown = await call(base, 'POST', path, {
      token,
      body: { template: { name: 'follow_up_en', variables: ['x'] } },
    });
    assert.equal(
      unknown.body.error.details.reason,
      'UNKNOWN_TEMPLATE',
      'a template of another inbox is refused',
    );
    assert.equal(stub!.stub.messages.length, 0, 'nothing refused reached Twilio');

    const sent = await call(base, 'POST', path, {
      token,
      body: { template: { name: 'order_update', variables: ['A-1001', '已发货'] } },
    });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    assert.equal(sent.body.text, '您的订单 A-1001 状态：已发货。');
    const message = await waitUntil(() => stub!.stub.messages[0], 'the template send at the stub');
    assert.equal(message.to, `whatsapp:${CUSTOMER}`);
    assert.equal(message.contentSid, ORDER_SID);
    assert.deepEqual(message.contentVariables, { 1: 'A-1001', 2: '已发货' });
    assert.equal(message.body, '您的订单 A-1001 状态：已发货。', 'the stub rendered the approved body');
    await waitUntil(async () => {
      const timeline = await apiGet(base, token, `/api/conversations/${conversation.id}/timeline`);
      return (timeline.items as Json[]).find(
        (item) => item.id === sent.body.id && item.status === 'delivered',
      );
    }, 'the template delivered');
  });

  it('an inbox without configured templates offers none and refuses every send outside the window', async () => {
    const { token, conversation, path } = await start(undefined);
    assert.deepEqual(
      [
        conversation.replyWindow.open,
        conversation.replyWindow.mode,
        conversation.replyWindow.allowedTemplates,
      ],
      [false, 'closed', []],
    );
    const refused = await call(running!.baseUrl, 'POST', path, {
      token,
      body: { template: { name: 'follow_up', variables: ['王芳'] } },
    });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.details.reason, 'UNKNOWN_TEMPLATE');
  });

  it('the stub refuses free text outside the window (63016) and a template with a missing variable (21656)', async () => {
    stub = await startTwilioStub({
      publicUrl: HUB_PUBLIC_URL,
      now: () => clock.now(),
      autoStatusCallbacks: false,
    });
    clock.set(new Date(now.getTime() - 25 * 3_600_000));
    stub.stub.setDeliverTo('http://127.0.0.1:9'); // nobody listens: only the stub's bookkeeping matters
    await stub.stub.sendInboundMessage({ from: `whatsapp:${CUSTOMER}` }).catch(() => undefined);
    clock.set(now);
    const auth = `Basic ${Buffer.from(`${STUB_ACCOUNT_SID}:${STUB_AUTH_TOKEN}`).toString('base64')}`;
    const create = (params: Record<string, string>) =>
      fetch(`${stub!.url}/2010-04-01/Accounts/${STUB_ACCOUNT_SID}/Messages.json`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          To: `whatsapp:${CUSTOMER}`,
          From: `whatsapp:${stub!.stub.whatsappNumber}`,
          ...params,
        }),
      }).then(async (response) => ({ status: response.status, body: await response.json() }));
    assert.equal((await create({ Body: 'hi' })).body.code, 63016);
    const demoSid = `HX${'d'.repeat(31)}2`;
    assert.equal((await create({ ContentSid: demoSid, ContentVariables: '{"1":"A1"}' })).body.code, 21656);
    assert.equal((await create({ ContentSid: `HX${'0'.repeat(32)}` })).body.code, 21655);
    const accepted = await create({ ContentSid: demoSid, ContentVariables: '{"1":"A1","2":"已发货"}' });
    assert.equal(accepted.status, 201);
    assert.equal(accepted.body.body, '您好，您的订单 A1 状态已更新为：已发货。');
  });
});
