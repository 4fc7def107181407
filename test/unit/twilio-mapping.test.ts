import assert from 'node:assert/strict';
import {
  callOutcomeOf,
  isStatusAdvance,
  mapInboundCall,
  mapInboundMessage,
  mapMessageStatus,
  mapStatusCallback,
  mapVoicemail,
} from '../../connectors/twilio/twilio-mapping';
import {
  MessageStatusSchema,
  MessageWebhookSchema,
  RecordingCallbackSchema,
  TranscriptionCallbackSchema,
  VoiceWebhookSchema,
} from '../../connectors/twilio/twilio-payloads';
import { formParams, loadTwilioFixture, loadTwilioFixtures } from '../support/twilio-fixtures';

const receivedAt = new Date('2026-03-02T09:30:00Z');
const context = { inboxId: 'inbox-twilio', receivedAt };

function message(name: string) {
  return mapInboundMessage(MessageWebhookSchema.parse(formParams(loadTwilioFixture(name).rawBody)), context);
}

describe('Twilio payload mapping', () => {
  it('reads every fixture body as the fields its .json lists, in order', () => {
    const fixtures = loadTwilioFixtures();
    assert.ok(fixtures.length >= 13, `expected the 13 Twilio fixtures, found ${fixtures.length}`);
    for (const fixture of fixtures)
      assert.deepEqual(
        Object.entries(formParams(fixture.rawBody)),
        Object.entries(fixture.fields),
        fixture.name,
      );
  });

  it('maps the authentic inbound SMS to an sms message keyed by its MessageSid', () => {
    const event = message('sms_inbound_authentic');
    assert.equal(event.channel, 'sms');
    assert.equal(event.kind, 'message');
    assert.equal(event.externalId, 'SM2003cbd5e6a3701999aa3e5f20ff2787');
    assert.deepEqual(event.from, { externalId: '+14159354345', phone: '+14159354345' });
    assert.equal(event.text, 'Orly');
    assert.equal(event.attachments, undefined);
    assert.equal(event.occurredAt, receivedAt);
    assert.equal(event.inboxId, 'inbox-twilio');
  });

  it('maps an MMS image without text to one url attachment and no text', () => {
    const event = message('sms_inbound_mms_single_image');
    assert.equal(event.externalId, 'MM3934ada51e7a20b35b4dd6c7635a29d2');
    assert.equal(event.text, undefined);
    assert.equal(event.attachments?.length, 1);
    assert.equal(event.attachments?.[0]?.contentType, 'image/jpeg');
    assert.match(event.attachments?.[0]?.url ?? '', /\/Media\/MEff408942d874d4301caea243989659ea$/);
    assert.equal(event.attachments?.[0]?.data, undefined);
  });

  it('maps an MMS with three images and text to three attachments in MediaUrl order', () => {
    const event = message('sms_inbound_mms_three_images_with_text');
    assert.equal(event.text, 'Multiple images and text');
    assert.deepEqual(
      event.attachments?.map((attachment) => attachment.url?.split('/').pop()),
      [
        'MEd2f0a3b33a81c85e35ed5ec670799da8',
        'ME7959abcf7c30622509bd7309f75b87b4',
        'MEbbb93c45044ce0ddb0a1c65e86202573',
      ],
    );
  });

  it('maps WhatsApp text, image and location messages to the whatsapp channel with the bare number', () => {
    const text = message('whatsapp_inbound_text');
    assert.equal(text.channel, 'whatsapp');
    assert.equal(text.text, 'test');
    assert.deepEqual(text.from, {
      externalId: '+31612345678',
      handle: 'whatsapp:+31612345678',
      phone: '+31612345678',
    });
    const image = message('whatsapp_inbound_image');
    assert.equal(image.channel, 'whatsapp');
    assert.equal(image.attachments?.length, 1);
    assert.equal(image.text, undefined);
    const location = message('whatsapp_inbound_location');
    assert.equal(location.externalId, 'SM9c871cd9649aa3829298e153ae6a8123');
    assert.match(location.text ?? '', /Microsoft, Evert van de Beekstraat 354/);
    assert.match(location.text ?? '', /q=52\.303897857666016,4\.750025749206543/);
  });

  it('maps WhatsApp status callbacks to delivery statuses of the sent message', () => {
    const sent = mapStatusCallback(
      MessageStatusSchema.parse(formParams(loadTwilioFixture('whatsapp_status_sent').rawBody)),
      context,
    );
    assert.deepEqual(sent, {
      channel: 'whatsapp',
      inboxId: 'inbox-twilio',
      externalId: 'SM0cec4ed334e74bcbb64eb8b6684e9654',
      status: 'sent',
      occurredAt: receivedAt,
    });
    const delivered = mapStatusCallback(
      MessageStatusSchema.parse(formParams(loadTwilioFixture('whatsapp_status_delivered').rawBody)),
      context,
    );
    assert.equal(delivered?.status, 'delivered');
    assert.equal(delivered?.externalId, 'SMdf55df64a2ff4920bb0748193cfbb640');
  });

  it('keeps the error code of a failed delivery and ignores statuses of inbound messages', () => {
    const failed = mapStatusCallback(
      {
        AccountSid: 'AC0123456789abcdef0123456789abcdef',
        MessageSid: 'SM0123456789abcdef0123456789abcdef',
        MessageStatus: 'undelivered',
        ErrorCode: '30003',
        To: '+8613800138000',
      },
      context,
    );
    assert.equal(failed?.status, 'failed');
    assert.deepEqual(failed?.error, { code: '30003', message: 'Unreachable destination handset' });
    assert.equal(
      mapStatusCallback(
        {
          AccountSid: 'AC0123456789abcdef0123456789abcdef',
          MessageSid: 'SM0123456789abcdef',
          MessageStatus: 'received',
        },
        context,
      ),
      null,
    );
  });

  it('maps every Twilio message status, and unknown ones to null', () => {
    const expected: Record<string, string | null> = {
      accepted: 'queued',
      queued: 'queued',
      sending: 'queued',
      sent: 'sent',
      delivered: 'delivered',
      read: 'read',
      undelivered: 'failed',
      failed: 'failed',
      canceled: 'failed',
      received: null,
      bogus: null,
    };
    for (const [twilioStatus, ours] of Object.entries(expected))
      assert.equal(mapMessageStatus(twilioStatus), ours, twilioStatus);
    assert.equal(mapMessageStatus(undefined), null);
  });

  it('lets statuses move forward only, with failed terminal and unreachable after delivery', () => {
    assert.equal(isStatusAdvance('queued', 'sent'), true);
    assert.equal(isStatusAdvance('sent', 'delivered'), true);
    assert.equal(isStatusAdvance('delivered', 'read'), true);
    assert.equal(isStatusAdvance('delivered', 'sent'), false);
    assert.equal(isStatusAdvance('read', 'delivered'), false);
    assert.equal(isStatusAdvance('sent', 'sent'), false);
    assert.equal(isStatusAdvance('sent', 'failed'), true);
    assert.equal(isStatusAdvance('delivered', 'failed'), false);
    assert.equal(isStatusAdvance('failed', 'delivered'), false);
  });

  it('maps the authentic incoming call to an inbound call entry with the menu choice as hints', () => {
    const params = VoiceWebhookSchema.parse(
      formParams(loadTwilioFixture('voice_incoming_call_authentic').rawBody),
    );
    const event = mapInboundCall(params, { ...context, category: 'complaint', locale: 'zh-CN' });
    assert.equal(event.channel, 'voice');
    assert.equal(event.kind, 'call');
    assert.equal(event.externalId, 'CA136d09cd59a3c0ec8dbff44da5c03f31');
    assert.deepEqual(event.from, { externalId: '+14153595711', phone: '+14153595711' });
    assert.deepEqual(event.call, { direction: 'inbound', status: 'ringing' });
    assert.deepEqual(event.hints, { category: 'complaint', locale: 'zh-CN' });
  });

  it('maps a completed outbound call status callback with its duration, time and the callee as customer', () => {
    const params = VoiceWebhookSchema.parse(
      formParams(loadTwilioFixture('voice_status_callback_completed').rawBody),
    );
    assert.equal(params.CalledCity, 'São Paulo');
    const event = mapInboundCall(params, context);
    assert.equal(event.externalId, 'CAbe982f58915a2def4cf7aaa1f1766236');
    assert.deepEqual(event.call, { direction: 'outbound', status: 'completed', durationSec: 49 });
    assert.equal(event.from.externalId, '+551135892112');
    assert.equal(event.occurredAt.toISOString(), '2018-03-25T09:53:19.000Z');
    assert.equal(
      callOutcomeOf(params, { connected: false, hasVoicemail: false }),
      'missed',
      'a completed call nobody was connected to is a missed call',
    );
    assert.equal(callOutcomeOf(params, { connected: true, hasVoicemail: false }), 'answered');
  });

  it('maps the recording status callback to a voicemail keyed by RecordingSid with its recording', () => {
    const params = RecordingCallbackSchema.parse(
      formParams(loadTwilioFixture('voice_recording_status_callback').rawBody),
    );
    const event = mapVoicemail(params, context);
    assert.equal(event.kind, 'voicemail');
    assert.equal(event.externalId, 'RE64545a8c9fbe9d6d191c2423c2c993ce');
    assert.equal(event.call?.recordingSid, 'RE64545a8c9fbe9d6d191c2423c2c993ce');
    assert.equal(event.call?.durationSec, 21);
    assert.match(event.call?.recordingUrl ?? '', /Recordings\/RE64545a8c9fbe9d6d191c2423c2c993ce$/);
    assert.equal(event.occurredAt.toISOString(), '2023-07-03T21:45:28.000Z');
    assert.equal(event.text, undefined);
    assert.deepEqual(event.attachments, [
      {
        url: 'https://api.twilio.com/2010-04-01/Accounts/ACcc830b11ab88f5dd8ccc1430511c2357/Recordings/RE64545a8c9fbe9d6d191c2423c2c993ce',
        contentType: 'audio/x-wav',
        filename: 'RE64545a8c9fbe9d6d191c2423c2c993ce.wav',
      },
    ]);
  });

  it('maps both transcription callbacks (percent- and plus-encoded) to voicemail text', () => {
    const transcribed = (name: string) => {
      const params = TranscriptionCallbackSchema.parse(formParams(loadTwilioFixture(name).rawBody));
      assert.ok(params.RecordingUrl, 'transcription callbacks carry the recording URL');
      return mapVoicemail({ ...params, RecordingUrl: params.RecordingUrl }, context);
    };
    const first = transcribed('voice_transcription_callback');
    assert.equal(first.externalId, 'RE64545a8c9fbe9d6d191c2423c2c993ce');
    assert.match(first.text ?? '', /^One of my fondest memories/);
    assert.equal(first.call?.transcription, first.text);
    assert.equal(first.from.externalId, '+19788356697', 'outbound-api call: the customer is the callee');
    const plus = transcribed('voice_transcription_callback_plus_encoded');
    assert.equal(plus.text, 'A testing signature validation.');
  });

  it('rejects malformed message payloads (no sender, bad sid) at the schema', () => {
    assert.equal(MessageWebhookSchema.safeParse({ AccountSid: 'AC123', Body: 'x' }).success, false);
    assert.equal(
      MessageWebhookSchema.safeParse({
        AccountSid: 'ACba8bc05eacf94afdae398e642c9cc32d',
        From: '+1',
        To: '+2',
        MessageSid: 'not-a-sid',
      }).success,
      false,
    );
  });
});
