import assert from 'node:assert/strict';
import { call, loginAs } from './conversations-support';
import {
  HUB_PUBLIC_URL,
  listConversations,
  startTwilioTestHub,
  waitFor,
  type TwilioTestHub,
} from '../support/twilio-hub';

const CUSTOMER = '+8613800138009';

describe('Twilio voice API (click to call, browser token)', function () {
  this.timeout(30_000);
  let hub: TwilioTestHub;
  afterEach(async () => hub?.close());

  it('calls the customer of a conversation through the REST API and connects the agent’s browser phone', async () => {
    hub = await startTwilioTestHub();
    await hub.stub.stub.sendInboundMessage({ from: CUSTOMER, body: '请给我回个电话' });
    const [conversation] = await listConversations(hub);
    const placed = await call(hub.running.baseUrl, 'POST', `/api/conversations/${conversation.id}/call`, {
      token: hub.token,
      body: {},
    });
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    assert.equal(placed.body.to, CUSTOMER);
    const stubCall = hub.stub.stub.calls[0]!;
    assert.equal(stubCall.sid, placed.body.callSid);
    assert.equal(stubCall.to, CUSTOMER);
    assert.equal(stubCall.from, hub.stub.stub.phoneNumber);
    assert.match(
      stubCall.url ?? '',
      new RegExp(`^${HUB_PUBLIC_URL}/webhooks/twilio/voice/outbound\\?inbox=twilio&conversation=`),
    );
    const answered = await waitFor(
      () => Promise.resolve(hub.stub.stub.deliveries.find((delivery) => delivery.url === stubCall.url)),
      'the answer webhook',
    );
    assert.equal(answered.status, 200);
    assert.match(answered.body, /<Dial[^>]*><Client>agent-[0-9a-f]{24}<\/Client><\/Dial>/);
  });

  it('refuses click to call without a token (401), for an unknown or unseen conversation (404), and for a number not the customer’s or refused by Twilio (400)', async () => {
    hub = await startTwilioTestHub();
    assert.equal(
      (await call(hub.running.baseUrl, 'POST', '/api/conversations/0123456789abcdef01234567/call')).status,
      401,
    );
    const missing = await call(
      hub.running.baseUrl,
      'POST',
      '/api/conversations/0123456789abcdef01234567/call',
      {
        token: hub.token,
        body: {},
      },
    );
    assert.equal(missing.status, 404);
    await hub.stub.stub.sendInboundMessage({ from: CUSTOMER, body: 'hi' });
    const [conversation] = await listConversations(hub);
    const path = `/api/conversations/${conversation.id}/call`;
    const elsewhere = await call(hub.running.baseUrl, 'POST', path, {
      token: hub.token,
      body: { to: '+8613900000000' },
    });
    assert.equal(elsewhere.status, 400, 'only the customer’s own numbers can be dialled');
    const outsider = await loginAs(hub.running, { email: 'outsider@example.com' });
    const hidden = await call(hub.running.baseUrl, 'POST', path, { token: outsider.token, body: {} });
    assert.equal(hidden.status, 404, 'an agent who cannot see the conversation cannot call from it');
    assert.equal(hub.stub.stub.calls.length, 0);

    hub.stub.stub.failNextRequest({ status: 400, code: 21211, message: 'not a valid phone number' });
    const refused = await call(hub.running.baseUrl, 'POST', path, { token: hub.token, body: {} });
    assert.equal(refused.status, 400, 'Twilio’s refusal');
    assert.match(refused.body.error.message, /refused/);
  });

  it('issues a browser-phone access token with a VoiceGrant for the agent, and 503 when not configured', async () => {
    hub = await startTwilioTestHub({
      TWILIO_API_KEY_SID: `SK${'1'.repeat(32)}`,
      TWILIO_API_KEY_SECRET: 'api-key-secret-0123456789',
      TWILIO_TWIML_APP_SID: `AP${'2'.repeat(32)}`,
    });
    const response = await call(hub.running.baseUrl, 'GET', '/api/voice/token', { token: hub.token });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const payload = JSON.parse(
      Buffer.from(String(response.body.token).split('.')[1]!, 'base64url').toString(),
    );
    assert.equal(payload.iss, `SK${'1'.repeat(32)}`);
    assert.equal(payload.grants.identity, response.body.identity);
    assert.equal(payload.grants.voice.outgoing.application_sid, `AP${'2'.repeat(32)}`);
    assert.equal(payload.grants.voice.incoming.allow, true);
    assert.equal((await call(hub.running.baseUrl, 'GET', '/api/voice/token')).status, 401);
    await hub.close();
    hub = await startTwilioTestHub();
    assert.equal(
      (await call(hub.running.baseUrl, 'GET', '/api/voice/token', { token: hub.token })).status,
      503,
    );
  });
});
