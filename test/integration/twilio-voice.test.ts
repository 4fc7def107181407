import assert from 'node:assert/strict';
import { startTwilioHarness, type TwilioHarness } from '../support/twilio-harness';

const CALLER = '+8613800138000';

describe('Twilio voice IVR (played by the stub call runner, in-memory sink)', () => {
  let harness: TwilioHarness;
  afterEach(async () => harness?.close());

  const call = (options: Parameters<TwilioHarness['stub']['stub']['placeInboundCall']>[0]) =>
    harness.stub.stub.placeInboundCall(options);

  it('greets in both languages, offers the menu in Chinese, and files the call as a complaint (2 then 1)', async () => {
    harness = await startTwilioHarness();
    harness.routing.target = { phone: '+8613900000001' };
    const result = await call({ from: CALLER, digits: ['2', '1'] });
    assert.equal(result.error, undefined);
    assert.deepEqual(result.said.slice(0, 2), [
      { language: 'zh-CN', text: '欢迎致电Omnihub Demo。' },
      { language: 'en-US', text: 'Welcome to Omnihub Demo.' },
    ]);
    assert.ok(result.said.some((said) => said.language === 'zh-CN' && said.text.includes('投诉请按 1')));
    const callEntry = harness.memory.entries.find((entry) => entry.event.kind === 'call')!;
    assert.equal(callEntry.event.externalId, result.callSid);
    assert.deepEqual(callEntry.event.hints, { category: 'complaint', locale: 'zh-CN' });
    assert.deepEqual(result.dialed, { number: '+8613900000001' }, 'connected to the agent who accepted');
    assert.equal(callEntry.call?.outcome, 'answered');
    assert.equal(callEntry.call?.status, 'completed');
    assert.ok(Number(callEntry.call?.durationSec) > 0);
    assert.equal(callEntry.needsCallback, undefined);
  });

  it('maps menu keys 2, 3 and 0 to inquiry, suggestion and other, and English on key 1', async () => {
    harness = await startTwilioHarness();
    harness.routing.target = { client: 'agent-7' };
    for (const [digit, category] of [
      ['2', 'inquiry'],
      ['3', 'suggestion'],
      ['0', 'other'],
    ] as const) {
      const result = await call({ from: CALLER, digits: ['1', digit] });
      const entry = harness.memory.entries.find(
        (candidate) => candidate.event.externalId === result.callSid,
      )!;
      assert.deepEqual(entry.event.hints, { category, locale: 'en' });
      assert.deepEqual(result.dialed, { client: 'agent-7' });
      assert.ok(
        result.said.some(
          (said) => said.language === 'en-US' && said.text.includes('For a complaint, press 1'),
        ),
      );
    }
  });

  it('repeats the menu once after an invalid key', async () => {
    harness = await startTwilioHarness();
    harness.routing.target = { phone: '+8613900000001' };
    const result = await call({ from: CALLER, digits: ['1', '9', '1'] });
    assert.equal(result.said.filter((said) => said.text.includes('For a complaint, press 1')).length, 2);
    assert.equal(harness.memory.entries[0]?.event.hints?.category, 'complaint');
  });

  it('offers the voicemail when nobody answers within the maximum wait; the recording and its text land on the timeline', async () => {
    harness = await startTwilioHarness({ maxWaitSeconds: 20 });
    const result = await call({
      from: CALLER,
      digits: ['1', '1'],
      voicemailText: 'My router is broken again, please call me back.',
    });
    assert.equal(result.error, undefined);
    assert.ok(result.queueSeconds >= 20, `waited ${result.queueSeconds}s`);
    assert.equal(result.dialed, undefined);
    assert.ok(result.said.some((said) => said.text.includes('Your ticket number is #10234')));
    const voicemail = harness.memory.entries.find((entry) => entry.event.kind === 'voicemail')!;
    assert.equal(voicemail.event.externalId, result.recordingSid);
    assert.equal(voicemail.event.from.externalId, CALLER);
    assert.equal(voicemail.text, 'My router is broken again, please call me back.');
    assert.match(String(voicemail.call?.recordingUrl), new RegExp(`/Recordings/${result.recordingSid}$`));
    assert.equal(voicemail.call?.transcription, voicemail.text);
    const callEntry = harness.memory.entries.find((entry) => entry.event.kind === 'call')!;
    assert.equal(callEntry.call?.outcome, 'voicemail');
    assert.equal(callEntry.needsCallback, true, 'a voicemail asks for a call back');
    assert.ok(
      result.requests.every((request) => request.status === 200),
      JSON.stringify(result.requests),
    );
  });

  it('goes straight to the after-hours voicemail outside business hours', async () => {
    harness = await startTwilioHarness();
    harness.businessHours.open = false;
    harness.routing.target = { phone: '+8613900000001' };
    const result = await call({ from: CALLER, digits: ['2', '2'], voicemailText: '请明天给我回电话。' });
    assert.ok(result.said.some((said) => said.text.includes('现在是非工作时间')));
    assert.equal(result.dialed, undefined, 'nobody is dialled after hours');
    assert.equal(result.queueSeconds, 0);
    assert.equal(
      harness.memory.entries.find((entry) => entry.event.kind === 'voicemail')?.text,
      '请明天给我回电话。',
    );
  });

  it('turns a caller who hangs up while waiting into a missed call that asks for a call back', async () => {
    harness = await startTwilioHarness({ maxWaitSeconds: 120 });
    const result = await call({ from: CALLER, digits: ['1', '2'], hangUpAfterQueueSeconds: 15 });
    assert.equal(result.recordingSid, undefined);
    const callEntry = harness.memory.entries.find((entry) => entry.event.kind === 'call')!;
    assert.equal(callEntry.call?.outcome, 'missed');
    assert.equal(callEntry.needsCallback, true);
    assert.equal(harness.memory.entries.length, 1, 'no voicemail entry');
  });

  it('still puts a call on the timeline when the caller hangs up before choosing anything', async () => {
    harness = await startTwilioHarness();
    const result = await call({ from: CALLER, digits: [], hangUpAfterRequests: 1 });
    assert.equal(result.requests.length, 2, 'the greeting, then the status callback');
    const entries = harness.memory.entries.filter((entry) => entry.event.kind === 'call');
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.call?.outcome, 'missed');
    assert.equal(entries[0]!.needsCallback, true);
    assert.equal(entries[0]!.event.hints, undefined, 'no menu choice was made');
  });

  it('places a click-to-call through the REST API and connects the customer to the agent when they answer', async () => {
    harness = await startTwilioHarness();
    const answerUrl = `https://hub.example.com/webhooks/twilio/voice/outbound?inbox=twilio-main&lang=zh-CN&conversation=conv-9&agentPhone=%2B8613900000001`;
    const placed = await harness.channel.placeCall({
      to: CALLER,
      answerUrl,
      statusCallbackUrl: 'https://hub.example.com/webhooks/twilio/voice/status?inbox=twilio-main',
    });
    await harness.stub.stub.settle();
    const stubCall = harness.stub.stub.calls[0]!;
    assert.equal(stubCall.sid, placed.callSid);
    assert.equal(stubCall.to, CALLER);
    assert.equal(stubCall.from, harness.inbox.phoneNumber);
    const answer = harness.stub.stub.deliveries.find((delivery) => delivery.url === answerUrl)!;
    assert.equal(answer.status, 200);
    assert.match(answer.body, /<Dial[^>]*><Number>\+8613900000001<\/Number><\/Dial>/);
    const entry = harness.memory.entries.find((candidate) => candidate.event.externalId === placed.callSid)!;
    assert.equal(entry.event.call?.direction, 'outbound');
    assert.equal(entry.call?.outcome, 'answered');
    assert.equal(entry.call?.durationSec, 42);
  });
});
