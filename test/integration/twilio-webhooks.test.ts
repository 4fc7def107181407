import assert from 'node:assert/strict';
import type { InboundEvent, InboundSink } from '../../connectors/channel';
import { signTwilioRequest, type TwilioInboxConfig } from '../../connectors/twilio';
import { loadTwilioFixture, loadTwilioFixtures } from '../support/twilio-fixtures';
import { PUBLIC_URL, startTwilioHarness, type TwilioHarness } from '../support/twilio-harness';
import { postForm } from '../support/twilio-conformance-harness';

const FIXTURE_TOKEN = 'fixture-token-0123456789';

/** One inbox per number the fixtures reach, so every fixture has a home (and a token we can sign with). */
function fixtureInboxes(): TwilioInboxConfig[] {
  const inboxes = new Map<string, TwilioInboxConfig>();
  const add = (accountSid: string, kind: 'phone' | 'whatsapp', number: string) => {
    const key = `${kind}:${number}`;
    if (!inboxes.has(key))
      inboxes.set(key, {
        inboxId: `fixture-${inboxes.size + 1}`,
        accountSid,
        authToken: FIXTURE_TOKEN,
        ...(kind === 'phone' ? { phoneNumber: number } : { whatsappNumber: number }),
      });
  };
  for (const { fields, name } of loadTwilioFixtures()) {
    const ours =
      name.startsWith('whatsapp_status') || fields.Direction?.startsWith('outbound')
        ? fields.From
        : fields.To;
    if (!ours) continue;
    add(
      fields.AccountSid!,
      ours.startsWith('whatsapp:') ? 'whatsapp' : 'phone',
      ours.replace(/^whatsapp:/, ''),
    );
  }
  // Recording callbacks carry no numbers: they reach the inbox named in the callback URL we generated.
  add('ACcc830b11ab88f5dd8ccc1430511c2357', 'phone', '+19788356697');
  return [...inboxes.values()];
}

async function postSigned(
  harness: TwilioHarness,
  path: string,
  params: Record<string, string>,
  token = FIXTURE_TOKEN,
) {
  const url = `${PUBLIC_URL}${path}`;
  return postForm(harness.url, PUBLIC_URL, url, params, signTwilioRequest(token, url, params));
}

async function postText(
  harness: TwilioHarness,
  path: string,
  params: Record<string, string>,
  token = FIXTURE_TOKEN,
) {
  const url = `${PUBLIC_URL}${path}`;
  const response = await fetch(harness.url + path, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signTwilioRequest(token, url, params),
    },
    body: new URLSearchParams(params).toString(),
  });
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

describe('Twilio webhooks (connector routes, in-memory sink)', () => {
  let harness: TwilioHarness;
  const inboxes = fixtureInboxes();
  const inboxFor = (number: string) =>
    inboxes.find((inbox) => inbox.phoneNumber === number || inbox.whatsappNumber === number)!;
  afterEach(async () => harness?.close());

  describe('every fixture in fixtures/webhooks/twilio', () => {
    beforeEach(async () => {
      harness = await startTwilioHarness({ inboxes });
    });

    for (const name of [
      'sms_inbound_authentic',
      'sms_inbound_mms_single_image',
      'sms_inbound_mms_three_images_with_text',
      'whatsapp_inbound_text',
      'whatsapp_inbound_image',
      'whatsapp_inbound_location',
    ]) {
      it(`ingests ${name} once, answered with an empty TwiML <Response/>`, async () => {
        const { fields } = loadTwilioFixture(name);
        const answer = await postText(harness, '/webhooks/twilio/sms', fields);
        assert.equal(answer.status, 200);
        assert.match(answer.type ?? '', /^text\/xml/);
        assert.equal(answer.body, '<?xml version="1.0" encoding="UTF-8"?><Response/>');
        assert.equal(
          (await postText(harness, '/webhooks/twilio/sms', fields)).status,
          200,
          'the replay is acknowledged',
        );
        assert.equal(harness.memory.entries.length, 1, 'the replay stored nothing new');
        const event = harness.memory.entries[0]!.event;
        assert.equal(event.externalId, fields.MessageSid ?? fields.SmsMessageSid);
        assert.equal(event.channel, fields.From!.startsWith('whatsapp:') ? 'whatsapp' : 'sms');
        assert.equal(event.inboxId, inboxFor(fields.To!.replace(/^whatsapp:/, '')).inboxId);
        assert.equal(event.attachments?.length ?? 0, Number(fields.NumMedia ?? '0'));
        if (fields.Body) assert.equal(event.text, fields.Body);
      });
    }

    for (const name of ['whatsapp_status_sent', 'whatsapp_status_delivered']) {
      it(`applies the status callback ${name} to the message it names`, async () => {
        const { fields } = loadTwilioFixture(name);
        const answer = await postText(harness, '/webhooks/twilio/status', fields);
        assert.equal(answer.status, 200);
        assert.equal(harness.memory.statuses.get(fields.MessageSid!), fields.MessageStatus);
        assert.equal(harness.memory.entries.length, 0);
      });
    }

    it('answers the authentic incoming call with the greeting and language menu, then stores the call at the menu choice', async () => {
      const { fields } = loadTwilioFixture('voice_incoming_call_authentic');
      const inbox = inboxFor(fields.To!);
      const welcome = await postText(harness, '/webhooks/twilio/voice', fields);
      assert.equal(welcome.status, 200);
      assert.match(welcome.body, /<Say language="zh-CN" voice="alice">欢迎致电Omnihub Demo。<\/Say>/);
      assert.match(
        welcome.body,
        /<Gather numDigits="1" action="https:\/\/hub\.example\.com\/webhooks\/twilio\/voice\/language\?inbox=/,
      );
      assert.equal(harness.memory.entries.length, 0, 'nothing stored before the caller chose');
      const menu = await postText(harness, `/webhooks/twilio/voice/menu?inbox=${inbox.inboxId}&lang=en`, {
        ...fields,
        Digits: '1',
      });
      assert.equal(menu.status, 200);
      assert.match(
        menu.body,
        /<Enqueue waitUrl="[^"]+\/voice\/wait\?inbox=[^"]+&amp;lang=en&amp;conversation=conv-1"/,
      );
      const event = harness.memory.entries[0]!.event;
      assert.equal(event.kind, 'call');
      assert.equal(event.externalId, fields.CallSid);
      assert.deepEqual(event.hints, { category: 'complaint', locale: 'en' });
    });

    it('records duration and outcome from the completed call status callback (outbound call)', async () => {
      const { fields } = loadTwilioFixture('voice_status_callback_completed');
      assert.equal((await postText(harness, '/webhooks/twilio/voice/status', fields)).status, 200);
      const entry = harness.memory.entries[0]!;
      assert.equal(entry.event.kind, 'call');
      assert.deepEqual(entry.call, {
        direction: 'outbound',
        status: 'completed',
        durationSec: 49,
        outcome: 'answered',
      });
      assert.equal(entry.needsCallback, undefined, 'an answered outbound call needs no call back');
    });

    it('stores the recording callback and then the transcription on one voicemail entry', async () => {
      const inbox = inboxFor('+19788356697');
      const recording = loadTwilioFixture('voice_recording_status_callback').fields;
      const path = `/webhooks/twilio/voice/recording?inbox=${inbox.inboxId}&lang=en&caller=%2B18443555050`;
      assert.equal((await postText(harness, path, recording)).status, 200);
      const transcription = loadTwilioFixture('voice_transcription_callback').fields;
      const tPath = `/webhooks/twilio/voice/transcription?inbox=${inbox.inboxId}&lang=en&caller=%2B18443555050`;
      assert.equal((await postText(harness, tPath, transcription)).status, 200);
      assert.equal(harness.memory.entries.length, 1);
      const entry = harness.memory.entries[0]!;
      assert.equal(entry.event.kind, 'voicemail');
      assert.equal(entry.event.externalId, 'RE64545a8c9fbe9d6d191c2423c2c993ce');
      assert.equal(entry.event.from.externalId, '+18443555050');
      assert.match(entry.text ?? '', /^One of my fondest memories/);
      assert.equal(entry.call?.recordingSid, 'RE64545a8c9fbe9d6d191c2423c2c993ce');
      assert.equal(entry.call?.durationSec, 21);
    });

    it('stores a plus-encoded transcription as a voicemail even when its recording callback never came', async () => {
      const inbox = inboxFor('+19788356697');
      const { fields } = loadTwilioFixture('voice_transcription_callback_plus_encoded');
      const path = `/webhooks/twilio/voice/transcription?inbox=${inbox.inboxId}`;
      assert.equal((await postText(harness, path, fields)).status, 200);
      assert.equal(harness.memory.entries[0]?.event.kind, 'voicemail');
      assert.equal(harness.memory.entries[0]?.text, 'A testing signature validation.');
    });

    it('covers every payload fixture in the folder', () => {
      const covered = new Set([
        'sms_inbound_authentic',
        'sms_inbound_mms_single_image',
        'sms_inbound_mms_three_images_with_text',
        'whatsapp_inbound_text',
        'whatsapp_inbound_image',
        'whatsapp_inbound_location',
        'whatsapp_status_sent',
        'whatsapp_status_delivered',
        'voice_incoming_call_authentic',
        'voice_status_callback_completed',
        'voice_recording_status_callback',
        'voice_transcription_callback',
        'voice_transcription_callback_plus_encoded',
      ]);
      assert.deepEqual(
        loadTwilioFixtures()
          .map((fixture) => fixture.name)
          .filter((name) => !covered.has(name)),
        [],
        'a new fixture needs a test',
      );
    });
  });

  describe('bad input is refused and stores nothing', () => {
    const customer = '+8613800138000';
    let valid: Record<string, string>;
    beforeEach(async () => {
      harness = await startTwilioHarness({ bodyLimitBytes: 16 * 1024 });
      valid = {
        AccountSid: harness.inbox.accountSid,
        MessageSid: 'SM0123456789abcdef0123456789abcdef',
        From: customer,
        To: harness.inbox.phoneNumber!,
        Body: '你好',
      };
    });
    const expectNothingStored = () => assert.equal(harness.memory.entries.length, 0);

    it('403 for a missing signature', async () => {
      const answer = await postForm(
        harness.url,
        PUBLIC_URL,
        `${PUBLIC_URL}/webhooks/twilio/sms`,
        valid,
        undefined,
      );
      assert.equal(answer.status, 403);
      expectNothingStored();
    });

    it('403 for a signature made with another token, or for another URL', async () => {
      assert.equal((await postSigned(harness, '/webhooks/twilio/sms', valid, 'not-the-token')).status, 403);
      const url = `${PUBLIC_URL}/webhooks/twilio/sms?x=1`;
      const signature = signTwilioRequest(harness.inbox.authToken, url, valid);
      const answer = await postForm(
        harness.url,
        PUBLIC_URL,
        `${PUBLIC_URL}/webhooks/twilio/sms`,
        valid,
        signature,
      );
      assert.equal(answer.status, 403);
      expectNothingStored();
    });

    it('400 for a signed body that is not a message (no sender, bad sid)', async () => {
      const { From: _from, ...noSender } = valid;
      void _from;
      assert.equal(
        (await postSigned(harness, '/webhooks/twilio/sms', noSender, harness.inbox.authToken)).status,
        400,
      );
      const badSid = { ...valid, MessageSid: 'hello' };
      assert.equal(
        (await postSigned(harness, '/webhooks/twilio/sms', badSid, harness.inbox.authToken)).status,
        400,
      );
      expectNothingStored();
    });

    it('400 for a JSON body', async () => {
      const response = await fetch(`${harness.url}/webhooks/twilio/sms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-twilio-signature': 'abc' },
        body: JSON.stringify(valid),
      });
      assert.equal(response.status, 400);
      expectNothingStored();
    });

    it('403, as for a bad signature, for a number no inbox owns or an AccountSid that is not the inbox’s (numbers cannot be probed)', async () => {
      const unknown = { ...valid, To: '+15550000000' };
      assert.equal(
        (await postSigned(harness, '/webhooks/twilio/sms', unknown, harness.inbox.authToken)).status,
        403,
      );
      const otherAccount = { ...valid, AccountSid: 'AC99999999999999999999999999999999' };
      assert.equal(
        (await postSigned(harness, '/webhooks/twilio/sms', otherAccount, harness.inbox.authToken)).status,
        403,
      );
      assert.equal(
        (await postSigned(harness, '/webhooks/twilio/voice/recording?inbox=nope', valid)).status,
        403,
      );
      expectNothingStored();
    });

    it('413 for an oversized body, and the process keeps serving', async () => {
      const huge = { ...valid, Body: 'x'.repeat(32 * 1024) };
      assert.equal(
        (await postSigned(harness, '/webhooks/twilio/sms', huge, harness.inbox.authToken)).status,
        413,
      );
      expectNothingStored();
      assert.equal(
        (await postSigned(harness, '/webhooks/twilio/sms', valid, harness.inbox.authToken)).status,
        200,
      );
      assert.equal(harness.memory.entries.length, 1);
    });

    it('400 for a signed voice webhook without a CallSid', async () => {
      const path = `/webhooks/twilio/voice/menu?inbox=${harness.inbox.inboxId}`;
      const params = { AccountSid: harness.inbox.accountSid, Digits: '1', From: customer };
      assert.equal((await postSigned(harness, path, params, harness.inbox.authToken)).status, 400);
      expectNothingStored();
    });
  });

  describe('acknowledgement after durability', () => {
    it('answers an SMS only after the sink returned, and with a 500 when the sink fails', async () => {
      let release!: () => void;
      let failNext = false;
      const received: InboundEvent[] = [];
      const sink: InboundSink = {
        async ingest(event) {
          if (failNext) throw new Error('database down');
          await new Promise<void>((resolve) => (release = resolve));
          received.push(event);
          return { messageId: 'm1', conversationId: 'c1', duplicate: false };
        },
        updateStatus: () => Promise.resolve(),
      };
      harness = await startTwilioHarness({ sink });
      const params = {
        AccountSid: harness.inbox.accountSid,
        MessageSid: 'SM0123456789abcdef0123456789abcdef',
        From: '+8613800138000',
        To: harness.inbox.phoneNumber!,
        Body: 'hello',
      };
      let answered = false;
      const pending = postSigned(harness, '/webhooks/twilio/sms', params, harness.inbox.authToken).then(
        (answer) => {
          answered = true;
          return answer;
        },
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(answered, false, 'no answer while the write is in flight');
      release();
      assert.equal((await pending).status, 200);
      assert.equal(received.length, 1);
      failNext = true;
      const failed = await postSigned(
        harness,
        '/webhooks/twilio/sms',
        { ...params, MessageSid: 'SM1123456789abcdef0123456789abcdef' },
        harness.inbox.authToken,
      );
      assert.equal(failed.status, 500);
    });
  });

  describe('delivery status callbacks from the stub', () => {
    beforeEach(async () => {
      harness = await startTwilioHarness();
    });

    it('moves a sent SMS through queued → sent → delivered with signed callbacks', async () => {
      const result = await harness.channel.send({
        messageId: 'm-1',
        channel: 'sms',
        inboxId: harness.inbox.inboxId,
        to: { externalId: '+8613800138000', phone: '+8613800138000' },
        text: '您好，已为您处理。',
      });
      await harness.stub.stub.settle();
      const sent = harness.stub.stub.messages[0]!;
      assert.equal(sent.to, '+8613800138000');
      assert.equal(sent.from, harness.inbox.phoneNumber);
      assert.equal(sent.body, '您好，已为您处理。');
      // Our message id rides in the signed callback URL (it matches reports to a send whose sid was lost).
      assert.equal(sent.statusCallback, `${PUBLIC_URL}/webhooks/twilio/status?inbox=twilio-main&message=m-1`);
      assert.deepEqual(
        harness.memory.statusEvents.map((event) => event.status),
        ['queued', 'sent', 'delivered'],
      );
      assert.equal(harness.memory.statuses.get(result.externalId), 'delivered');
    });

    it('keeps delivered when a late "sent" arrives out of order', async () => {
      const result = await harness.channel.send({
        messageId: 'm-2',
        channel: 'whatsapp',
        inboxId: harness.inbox.inboxId,
        to: { externalId: '+8613800138000', phone: '+8613800138000' },
        text: 'hello',
      });
      await harness.stub.stub.settle();
      assert.equal(harness.stub.stub.messages[0]!.to, 'whatsapp:+8613800138000');
      assert.equal(harness.stub.stub.messages[0]!.from, `whatsapp:${harness.inbox.whatsappNumber}`);
      const late = await harness.stub.stub.sendMessageStatus(result.externalId, 'sent');
      assert.equal(late.status, 200);
      assert.equal(harness.memory.statuses.get(result.externalId), 'delivered');
    });
  });
});
