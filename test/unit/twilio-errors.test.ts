import assert from 'node:assert/strict';
import twilio from 'twilio';
import { SendError } from '../../connectors/channel';
import { classifyTwilioError } from '../../connectors/twilio/twilio-errors';

/** A RestException exactly as the SDK raises it for a Twilio error response. */
function restException(statusCode: number, code?: number, message = 'error') {
  return new twilio.RestException({
    statusCode,
    body:
      code === undefined
        ? ''
        : { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status: statusCode },
  });
}

describe('Twilio send error classification', () => {
  for (const [code, what] of [
    [21211, 'invalid number'],
    [21610, 'unsubscribed recipient'],
    [21614, 'not a mobile number'],
    [63016, 'outside the WhatsApp window'],
  ] as const) {
    it(`classifies 400/${code} (${what}) as permanent with the provider code`, () => {
      const error = classifyTwilioError(restException(400, code, what));
      assert.ok(error instanceof SendError);
      assert.equal(error.permanent, true);
      assert.equal(error.providerCode, String(code));
      assert.equal(error.message, what);
    });
  }

  it('classifies bad credentials (401/20003) as permanent: retrying cannot fix configuration', () => {
    assert.equal(classifyTwilioError(restException(401, 20003, 'Authenticate')).permanent, true);
  });

  it('classifies 429 and every 5xx as transient', () => {
    assert.equal(classifyTwilioError(restException(429, 20429, 'Too Many Requests')).permanent, false);
    assert.equal(classifyTwilioError(restException(500, 20500)).permanent, false);
    assert.equal(classifyTwilioError(restException(503)).permanent, false);
    assert.equal(classifyTwilioError(restException(502)).providerCode, 'HTTP 502');
  });

  it('classifies network failures (connection refused, timeouts, DNS) as transient', () => {
    for (const code of ['ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN', 'ECONNABORTED']) {
      const error = Object.assign(new Error(`connect ${code}`), { code });
      const classified = classifyTwilioError(error);
      assert.equal(classified.permanent, false, code);
      assert.ok(classified.cause === error);
    }
  });

  it('passes a SendError through unchanged', () => {
    const original = new SendError('no sender', { permanent: true, providerCode: 'NO_SENDER' });
    assert.equal(classifyTwilioError(original), original);
  });
});
