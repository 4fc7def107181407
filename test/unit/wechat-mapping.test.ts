import assert from 'node:assert/strict';
import {
  mapWechatMessage,
  parseWechatXml,
  WECHAT_SCENE_ATTRIBUTE,
  WechatMessageSchema,
} from '../../connectors/wechat';
import { fixture } from '../support/social-support';

const map = (name: string) =>
  mapWechatMessage(WechatMessageSchema.parse(parseWechatXml(fixture(`wechat/${name}`))), {
    inboxId: 'wechat',
    mediaUrl: (id) => `https://hub.test/media/${id}`,
  });

describe('WeChat mapping: scenes as contact attributes', () => {
  it('a subscribe through a QR code carries its scene without the qrscene_ prefix', () => {
    const event = map('event_subscribe_qrscene.xml');
    assert.deepEqual(event?.contactAttributes, { [WECHAT_SCENE_ATTRIBUTE]: '123123' });
    assert.equal(event?.from.externalId, 'FromUser');
  });

  it('a scan by a follower carries the scene id as given', () => {
    assert.deepEqual(map('event_scan.xml')?.contactAttributes, { [WECHAT_SCENE_ATTRIBUTE]: 'SCENE_VALUE' });
  });

  it('a plain subscribe, a menu click and a text message carry no attribute', () => {
    for (const name of ['event_subscribe.xml', 'event_menu_click.xml', 'inbound_text.xml'])
      assert.equal(map(name)?.contactAttributes, undefined, name);
  });
});
