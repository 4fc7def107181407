import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isValidTwilioSignature, signTwilioRequest } from '../../connectors/twilio/twilio-signature';
import { loadSignatureVectors, twilioFixturesDir } from '../support/twilio-fixtures';

describe('Twilio webhook signatures', () => {
  it('accepts the documented vector from PROVIDERS.md (token 12345, myapp.php?foo=1&bar=2)', () => {
    const params = {
      CallSid: 'CA1234567890ABCDE',
      Caller: '+12349013030',
      Digits: '1234',
      From: '+12349013030',
      To: '+18005551212',
    };
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    assert.equal(
      isValidTwilioSignature({ authToken: '12345', signature: '0/KCTR6DLpKmkAf8muzZqo1nDgQ=', url, params }),
      true,
    );
    assert.equal(signTwilioRequest('12345', url, params), '0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  });

  const vectors = loadSignatureVectors();
  for (const vector of vectors.cases) {
    it(`${vector.valid ? 'accepts' : 'rejects'} the SDK vector "${vector.name}"`, () => {
      const valid = isValidTwilioSignature({
        authToken: vectors.auth_token,
        signature: vector.expected_signature,
        url: vector.url,
        ...(vector.body === undefined ? { params: vector.params ?? {} } : { rawBody: vector.body }),
      });
      assert.equal(valid, vector.valid);
    });
  }

  for (const request of vectors.authentic_requests) {
    it(`accepts the authentic captured request "${request.name}"`, () => {
      const params = JSON.parse(readFileSync(path.join(twilioFixturesDir, request.file), 'utf8'));
      assert.equal(
        isValidTwilioSignature({
          authToken: request.auth_token,
          signature: request.expected_signature,
          url: request.url,
          params,
        }),
        true,
      );
    });
  }

  it('rejects a missing signature, a wrong token, a changed parameter and a different URL', () => {
    const url = 'https://hub.example.com/webhooks/twilio/sms';
    const params = { MessageSid: 'SM0123456789abcdef', Body: 'hello' };
    const signature = signTwilioRequest('token-a', url, params);
    assert.equal(isValidTwilioSignature({ authToken: 'token-a', signature, url, params }), true);
    assert.equal(isValidTwilioSignature({ authToken: 'token-a', signature: undefined, url, params }), false);
    assert.equal(isValidTwilioSignature({ authToken: 'token-b', signature, url, params }), false);
    assert.equal(
      isValidTwilioSignature({ authToken: 'token-a', signature, url, params: { ...params, Body: 'hellO' } }),
      false,
    );
    assert.equal(
      isValidTwilioSignature({ authToken: 'token-a', signature, url: `${url}?inbox=2`, params }),
      false,
    );
  });

  it('treats an unparsable URL as invalid instead of throwing', () => {
    assert.equal(
      isValidTwilioSignature({ authToken: 'x', signature: 'abc', url: 'not a url', params: {} }),
      false,
    );
  });
});
