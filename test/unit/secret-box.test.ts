import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSecretBox, isSealed } from '../../server/lib/secret-box';

describe('secret box (AES-256-GCM for stored credentials)', () => {
  const box = createSecretBox(randomBytes(32));

  it('opens what it sealed, with a fresh IV each time', () => {
    const first = box.seal('twilio-auth-token-123', 'authToken');
    const second = box.seal('twilio-auth-token-123', 'authToken');
    assert.ok(isSealed(first));
    assert.notEqual(first, second);
    assert.equal(first.includes('twilio-auth-token'), false);
    assert.equal(box.open(first, 'authToken'), 'twilio-auth-token-123');
    assert.equal(box.open(box.seal('密码', 'password'), 'password'), '密码');
  });

  it('refuses a tampered value, another context and another key', () => {
    const sealed = box.seal('secret', 'authToken');
    const parts = sealed.split(':');
    const data = Buffer.from(parts[4]!, 'base64url');
    data[0]! ^= 1;
    parts[4] = data.toString('base64url');
    assert.throws(() => box.open(parts.join(':'), 'authToken'));
    assert.throws(() => box.open(sealed, 'apiKeySecret'));
    assert.throws(() => createSecretBox(randomBytes(32)).open(sealed, 'authToken'));
    assert.throws(() => box.open('plain text', 'authToken'), /not a sealed secret/);
  });

  it('accepts only 32-byte keys', () => {
    assert.throws(() => createSecretBox(randomBytes(16)), /32 bytes/);
  });
});
