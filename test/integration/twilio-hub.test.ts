import assert from 'node:assert/strict';
import { call } from './conversations-support';
import { signTwilioRequest } from '../../connectors/twilio';
import { loadTwilioFixture } from '../support/twilio-fixtures';
import {
  allEntries,
  getConversation,
  HUB_PUBLIC_URL,
  listConversations,
  startTwilioTestHub,
  timeline,
  waitFor,
  type TwilioTestHub,
} from '../support/twilio-hub';

const CUSTOMER = '+8613800138000';

describe('Twilio through the whole hub (real ingest, outbound, embedded engine, local stub)', function () {
  this.timeout(30_000);
  let hub: TwilioTestHub;
  afterEach(async () => hub?.close());

  it('stores an inbound SMS, sends the agent reply to the stub and moves it to delivered by status callback', async () => {
    hub = await startTwilioTestHub();
    const delivery = await hub.stub.stub.sendInboundMessage({ from: CUSTOMER, body: '您好，我的宽带又断了' });
    assert.equal(delivery.status, 200);
    assert.equal(delivery.body, '<?xml version="1.0" encoding="UTF-8"?><Response/>');
    const [conversation] = await listConversations(hub);
    assert.ok(conversation, 'a conversation was opened');
    const entries = await timeline(hub, conversation.id);
    assert.equal(entries.length, 1);
    assert.equal(entries[0].text, '您好，我的宽带又断了');
    assert.equal(entries[0].channel, 'sms');
    assert.equal(entries[0].externalId, delivery.messageSid);

    const reply = await call(hub.running.baseUrl, 'POST', `/api/conversations/${conversation.id}/messages`, {
      token: hub.token,
      body: { text: '您好，工程师将在两小时内联系您。' },
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const sent = await waitFor(() => Promise.resolve(hub.stub.stub.messages[0]), 'the reply at the stub');
    assert.equal(sent.body, '您好，工程师将在两小时内联系您。');
    assert.equal(sent.to, CUSTOMER);
    assert.equal(sent.from, hub.stub.stub.phoneNumber);
    const delivered = await waitFor(async () => {
      const message = (await timeline(hub, conversation.id)).find((entry) => entry.id === reply.body.id);
      return message?.status === 'delivered' ? message : undefined;
    }, 'status delivered');
    assert.equal(delivered.externalId, sent.sid);
  });

  it('downloads MMS media from Twilio with the account’s credentials and links it to the message', async () => {
    hub = await startTwilioTestHub();
    const delivery = await hub.stub.stub.sendInboundMessage({
      from: CUSTOMER,
      body: '发票照片',
      media: [{ contentType: 'image/png' }],
    });
    assert.equal(delivery.status, 200);
    const [conversation] = await listConversations(hub);
    assert.ok(conversation);
    const stored = await waitFor(async () => {
      const [entry] = await timeline(hub, conversation.id);
      return entry?.attachments?.[0]?.size ? entry.attachments[0] : undefined;
    }, 'the media stored on the message');
    assert.equal(stored.contentType, 'image/png');
    assert.equal(stored.size, 68, 'the stub’s 1×1 PNG');
    assert.deepEqual(
      hub.stub.stub.mediaRequests.map((request) => request.authorized),
      [true],
      'one download, authenticated as the account',
    );
  });

  it('refuses a forged SMS (wrong signature) with 403 and stores nothing, then still serves valid ones', async () => {
    hub = await startTwilioTestHub();
    const params = {
      AccountSid: hub.stub.stub.accountSid,
      MessageSid: 'SM0123456789abcdef0123456789abcdef',
      From: CUSTOMER,
      To: hub.stub.stub.phoneNumber,
      Body: 'forged',
    };
    const url = `${HUB_PUBLIC_URL}/webhooks/twilio/sms`;
    const forged = await fetch(`${hub.running.baseUrl}/webhooks/twilio/sms`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signTwilioRequest('not-the-token', url, params),
      },
      body: new URLSearchParams(params).toString(),
    });
    assert.equal(forged.status, 403);
    assert.deepEqual(await listConversations(hub), []);
    assert.equal((await hub.stub.stub.sendInboundMessage({ from: CUSTOMER, body: 'real' })).status, 200);
    assert.equal((await listConversations(hub)).length, 1);
  });

  it('files an IVR call as a complaint and, with nobody available, keeps the voicemail and its transcription', async () => {
    hub = await startTwilioTestHub();
    const result = await hub.stub.stub.placeInboundCall({
      from: CUSTOMER,
      digits: ['1', '1'],
      voicemailText: 'My internet has been down since Monday, please call me back.',
    });
    assert.equal(result.error, undefined, JSON.stringify(result.requests));
    assert.ok(result.recordingSid);
    const [conversation] = await listConversations(hub);
    const detail = await getConversation(hub, conversation.id);
    assert.equal((detail.conversation ?? detail).category, 'complaint');
    const entries = await timeline(hub, conversation.id);
    const callEntry = entries.find((entry) => entry.kind === 'call');
    const voicemail = entries.find((entry) => entry.kind === 'voicemail');
    assert.equal(callEntry.externalId, result.callSid);
    assert.equal(callEntry.call.outcome, 'voicemail');
    assert.ok(callEntry.call.durationSec > 0);
    assert.equal(voicemail.externalId, result.recordingSid);
    assert.equal(voicemail.text, 'My internet has been down since Monday, please call me back.');
    assert.equal(voicemail.call.recordingSid, result.recordingSid);
    assert.ok((detail.conversation ?? detail).tags.includes('callback'), 'a callback is requested');
    assert.ok(
      result.said.some((said) => new RegExp(`#${(detail.conversation ?? detail).number}`).test(said.text)),
      'the voicemail prompt reads the ticket number',
    );
  });

  it('ingests the fixtures through admin-configured inboxes (SMS, MMS, WhatsApp, status)', async () => {
    hub = await startTwilioTestHub();
    const token = 'fixture-token-0123456789';
    const inboxes = hub.running.hub.channels.inboxes;
    await inboxes.create({
      name: 'US SMS',
      channel: 'sms',
      address: '+18446151430',
      credentials: { accountSid: 'ACb2722d11b73d22b594c81d79aed6b8d2', authToken: token },
    } as never);
    await inboxes.create({
      name: 'WhatsApp NL',
      channel: 'whatsapp',
      address: '+14123456789',
      credentials: { accountSid: 'AC1a03647d811fab342c0ad608e382fab2', authToken: token },
    } as never);
    const post = async (path: string, fields: Record<string, string>) => {
      const url = `${HUB_PUBLIC_URL}${path}`;
      const response = await fetch(`${hub.running.baseUrl}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': signTwilioRequest(token, url, fields),
        },
        body: new URLSearchParams(fields).toString(),
      });
      return response.status;
    };
    for (const name of [
      'sms_inbound_mms_single_image',
      'sms_inbound_mms_three_images_with_text',
      'whatsapp_inbound_text',
      'whatsapp_inbound_image',
      'whatsapp_inbound_location',
    ]) {
      const { fields } = loadTwilioFixture(name);
      assert.equal(await post('/webhooks/twilio/sms', fields), 200, name);
      assert.equal(await post('/webhooks/twilio/sms', fields), 200, `${name} replayed`);
    }
    assert.equal(
      await post('/webhooks/twilio/status', loadTwilioFixture('whatsapp_status_delivered').fields),
      200,
    );
    const entries = await allEntries(hub);
    assert.equal(entries.length, 5, 'five messages, replays stored nothing');
    const byId = new Map(entries.map((entry) => [entry.externalId, entry]));
    assert.equal(byId.get('MM214c0118ea8b8d065c72efc89238a972').attachments.length, 3);
    assert.equal(byId.get('MM214c0118ea8b8d065c72efc89238a972').text, 'Multiple images and text');
    assert.equal(byId.get('MM3934ada51e7a20b35b4dd6c7635a29d2').attachments[0].contentType, 'image/jpeg');
    assert.equal(byId.get('SM892512e202b34d4109b10a3893fa9640').channel, 'whatsapp');
    assert.match(byId.get('SM9c871cd9649aa3829298e153ae6a8123').text, /Microsoft/);
  });
});
