import assert from 'node:assert/strict';
import {
  buildConnectTwiml,
  buildEnqueueTwiml,
  buildVoicemailTwiml,
  buildWaitTwiml,
  buildWelcomeTwiml,
  emptyMessagingTwiml,
  splitByLanguage,
} from '../../connectors/twilio/twilio-twiml';
import { parseTwiml } from '../../connectors/twilio/stub/twiml-reader';

describe('Twilio TwiML builders', () => {
  it('answers messages with an empty <Response/>', () => {
    assert.equal(emptyMessagingTwiml(), '<?xml version="1.0" encoding="UTF-8"?><Response/>');
  });

  it('splits a bilingual prompt so each sentence is spoken by a voice of its language', () => {
    assert.deepEqual(splitByLanguage('For English, press 1. 普通话服务请按 2。', 'en'), [
      { locale: 'en', text: 'For English, press 1.' },
      { locale: 'zh-CN', text: '普通话服务请按 2。' },
    ]);
    assert.deepEqual(splitByLanguage('客服人员正忙。请留言。Your ticket is #10234.', 'zh-CN'), [
      { locale: 'zh-CN', text: '客服人员正忙。请留言。' },
      { locale: 'en', text: 'Your ticket is #10234.' },
    ]);
  });

  it('builds the welcome: greetings, then the language menu inside a one-digit Gather, then a fallback', () => {
    const root = parseTwiml(
      buildWelcomeTwiml({
        greetings: [
          { locale: 'zh-CN', text: '欢迎致电Omnihub。' },
          { locale: 'en', text: 'Welcome to Omnihub.' },
        ],
        languageMenu: { locale: 'zh-CN', text: '普通话服务请按 2。For English, press 1.' },
        actionUrl: 'https://hub/voice/language?inbox=a&x=1',
        noInputUrl: 'https://hub/voice/language?noinput=1',
      }),
    );
    assert.deepEqual(
      root.children.map((child) => child.name),
      ['Say', 'Say', 'Gather', 'Redirect'],
    );
    assert.equal(root.children[0]!.attributes.language, 'zh-CN');
    assert.equal(root.children[1]!.attributes.language, 'en-US');
    const gather = root.children[2]!;
    assert.equal(gather.attributes.numDigits, '1');
    assert.equal(
      gather.attributes.action,
      'https://hub/voice/language?inbox=a&x=1',
      'the & survives escaping',
    );
    assert.deepEqual(
      gather.children.map((say) => [say.attributes.language, say.text]),
      [
        ['zh-CN', '普通话服务请按 2。'],
        ['en-US', 'For English, press 1.'],
      ],
    );
  });

  it('enqueues with a wait URL and an action URL, and the wait answer leaves or holds', () => {
    const enqueue = parseTwiml(
      buildEnqueueTwiml({
        prompt: { locale: 'en', text: 'Please hold.' },
        queueName: 'omnihub-twilio',
        waitUrl: 'https://hub/wait',
        actionUrl: 'https://hub/dequeued',
      }),
    ).children[1]!;
    assert.equal(enqueue.name, 'Enqueue');
    assert.equal(enqueue.text, 'omnihub-twilio');
    assert.equal(enqueue.attributes.waitUrl, 'https://hub/wait');
    assert.equal(enqueue.attributes.action, 'https://hub/dequeued');
    assert.equal(parseTwiml(buildWaitTwiml({ leave: true, holdSeconds: 5 })).children[0]!.name, 'Leave');
    const hold = parseTwiml(buildWaitTwiml({ leave: false, holdSeconds: 3 })).children[0]!;
    assert.deepEqual([hold.name, hold.attributes.length], ['Pause', '3']);
  });

  it('dials the agent’s phone or browser client', () => {
    const byPhone = parseTwiml(
      buildConnectTwiml({
        prompt: { locale: 'en', text: 'Connecting.' },
        target: { phone: '+8613900000001' },
        actionUrl: 'https://hub/done',
      }),
    ).children[1]!;
    assert.equal(byPhone.name, 'Dial');
    assert.deepEqual([byPhone.children[0]!.name, byPhone.children[0]!.text], ['Number', '+8613900000001']);
    const byClient = parseTwiml(
      buildConnectTwiml({
        prompt: { locale: 'en', text: 'Connecting.' },
        target: { client: 'agent-7' },
        actionUrl: 'https://hub/done',
      }),
    ).children[1]!;
    assert.deepEqual([byClient.children[0]!.name, byClient.children[0]!.text], ['Client', 'agent-7']);
  });

  it('records a voicemail with transcription and both callbacks', () => {
    const record = parseTwiml(
      buildVoicemailTwiml({
        prompt: { locale: 'zh-CN', text: '请在提示音后留言。' },
        actionUrl: 'https://hub/vm-done',
        recordingStatusCallback: 'https://hub/recording',
        transcribeCallback: 'https://hub/transcription',
      }),
    ).children[1]!;
    assert.equal(record.name, 'Record');
    assert.equal(record.attributes.transcribe, 'true');
    assert.equal(record.attributes.transcribeCallback, 'https://hub/transcription');
    assert.equal(record.attributes.recordingStatusCallback, 'https://hub/recording');
    assert.equal(record.attributes.action, 'https://hub/vm-done');
  });
});
