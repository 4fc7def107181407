import assert from 'node:assert/strict';
import { resolveRecipient } from '../../server/modules/outbound/recipient';

const contact = {
  name: '王小明',
  emails: ['xm@example.cn'],
  phones: ['+8613800138000'],
  identities: [
    { channel: 'wechat', externalId: 'oOpenId1', handle: null },
    { channel: 'sms', externalId: '+8613900139000', handle: null },
    { channel: 'whatsapp', externalId: '+8613700137000', handle: 'whatsapp:+8613700137000' },
  ],
};

describe('outbound recipient', () => {
  it('addresses the channel identity the customer wrote from', () => {
    assert.deepEqual(resolveRecipient(contact, 'whatsapp'), {
      externalId: '+8613700137000',
      handle: 'whatsapp:+8613700137000',
      name: '王小明',
      phone: '+8613700137000',
    });
    assert.equal(resolveRecipient(contact, 'wechat')?.externalId, 'oOpenId1');
  });

  it('prefers the most recently added identity of a channel', () => {
    const twoNumbers = {
      ...contact,
      identities: [...contact.identities, { channel: 'sms', externalId: '+15550001111' }],
    };
    assert.equal(resolveRecipient(twoNumbers, 'sms')?.externalId, '+15550001111');
  });

  it('falls back to the email for email and the phone for phone channels', () => {
    const plain = { name: null, emails: ['a@b.test'], phones: ['+15551234567'], identities: [] };
    assert.deepEqual(resolveRecipient(plain, 'email'), { externalId: 'a@b.test', email: 'a@b.test' });
    assert.deepEqual(resolveRecipient(plain, 'voice'), { externalId: '+15551234567', phone: '+15551234567' });
  });

  it('finds nobody on a channel the contact never used and has no address for', () => {
    assert.equal(resolveRecipient(contact, 'telegram'), null);
    assert.equal(resolveRecipient({ emails: [], phones: [], identities: [] }, 'email'), null);
  });
});
