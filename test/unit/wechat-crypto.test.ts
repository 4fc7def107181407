import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import {
  decryptWechatMessage,
  encryptWechatMessage,
  isValidWechatSignature,
  mapWechatMessage,
  parseWechatXml,
  sceneOf,
  wechatSignature,
  WechatMessageSchema,
} from '../../connectors/wechat';
import { FIXTURES, fixture } from '../support/social-support';

interface Vectors {
  encrypted_mode_official_sample: Record<string, string>;
  plain_mode_example_computed: Record<string, string>;
}
const vectors = JSON.parse(fixture('wechat/signature_test_vectors.json')) as Vectors;

describe('WeChat signatures and safe mode', () => {
  it('passes the plain-mode vectors (PROVIDERS.md and the fixture set)', () => {
    assert.equal(
      wechatSignature(['AAAAA', '1714036504', '1514711492']),
      'f464b24fc39322e44b38aa78f5edd27bd1441696',
    );
    const plain = vectors.plain_mode_example_computed;
    assert.equal(wechatSignature([plain.token!, plain.timestamp!, plain.nonce!]), plain.signature);
    assert.equal(
      isValidWechatSignature([plain.token!, plain.timestamp!, plain.nonce!], plain.signature),
      true,
    );
    assert.equal(
      isValidWechatSignature([plain.token!, plain.timestamp!, plain.nonce!], '0'.repeat(40)),
      false,
    );
  });

  it('passes the official safe-mode vector: msg_signature, decryption to the .decrypted.xml fixture, AppId', () => {
    const sample = vectors.encrypted_mode_official_sample;
    const envelope = parseWechatXml(fixture('wechat/inbound_encrypted_safe_mode.xml'));
    assert.ok(envelope?.Encrypt);
    assert.equal(
      isValidWechatSignature(
        [sample.token!, sample.timestamp!, sample.nonce!, envelope.Encrypt],
        sample.msg_signature,
      ),
      true,
    );
    const { xml, appId } = decryptWechatMessage({
      encodingAesKey: sample.encoding_aes_key!,
      encrypted: envelope.Encrypt,
    });
    assert.equal(appId, sample.decrypted_receive_id);
    assert.equal(xml, sample.decrypted_xml);
    assert.equal(xml.trim(), fixture('wechat/inbound_encrypted_safe_mode.decrypted.xml').trim());
  });

  it('round-trips a message through encryption and refuses a wrong key', () => {
    const key = vectors.encrypted_mode_official_sample.encoding_aes_key!;
    const encrypted = encryptWechatMessage({
      encodingAesKey: key,
      appId: 'wx1234567890abcdef',
      xml: '<xml>你好</xml>',
    });
    assert.deepEqual(decryptWechatMessage({ encodingAesKey: key, encrypted }), {
      xml: '<xml>你好</xml>',
      appId: 'wx1234567890abcdef',
    });
    assert.throws(() => decryptWechatMessage({ encodingAesKey: 'B'.repeat(43), encrypted }));
  });
});

describe('WeChat message mapping', () => {
  const map = (name: string) => {
    const fields = parseWechatXml(fixture(`wechat/${name}`));
    const message = WechatMessageSchema.parse(fields);
    return {
      message,
      event: mapWechatMessage(message, { inboxId: 'wechat', mediaUrl: (id) => `proxy:${id}` }),
    };
  };

  it('maps every fixture: texts, image, voice with recognition, events; ignores LOCATION reports', () => {
    const names = readdirSync(path.join(FIXTURES, 'wechat')).filter(
      (name) => name.endsWith('.xml') && !name.includes('encrypted'),
    );
    assert.ok(names.length >= 10);
    for (const name of names) assert.doesNotThrow(() => map(name), name);
    assert.equal(map('inbound_text.xml').event?.text, 'this is a test');
    assert.equal(map('inbound_text_chinese_realworld.xml').event?.externalId, '6349323426230210995');
    assert.equal(map('inbound_text_chinese_realworld.xml').event?.text, '你好');
    assert.equal(
      map('inbound_text_chinese_realworld.xml').event?.from.externalId,
      'ogdotwSc_MmEEsJs9-ABZ1QL_4r4',
    );
    assert.deepEqual(map('inbound_image.xml').event?.attachments, [
      { contentType: 'image/jpeg', url: 'proxy:media_id' },
    ]);
    assert.equal(map('inbound_voice_with_recognition.xml').event?.text, '腾讯微信团队');
    assert.equal(map('inbound_voice.xml').event?.text, '[语音 · voice message]');
    assert.equal(map('event_location.xml').event, null);
    assert.equal(map('event_menu_click.xml').event?.text, '[菜单 · menu] EVENTKEY');
    const subscribe = map('event_subscribe_qrscene.xml');
    assert.equal(sceneOf(subscribe.message), '123123');
    assert.equal(subscribe.event?.externalId, 'FromUser:123456789:subscribe');
    assert.match(subscribe.event?.text ?? '', /123123/);
    assert.equal(sceneOf(map('event_scan.xml').message), 'SCENE_VALUE');
    assert.equal(map('inbound_text.xml').event?.occurredAt.getTime(), 1348831860_000);
  });

  it('refuses XML with a DOCTYPE (no entity expansion)', () => {
    assert.equal(parseWechatXml('<!DOCTYPE x [<!ENTITY a "b">]><xml><Content>&a;</Content></xml>'), null);
  });
});
