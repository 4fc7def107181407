import assert from 'node:assert/strict';
import { SendError } from '../../connectors/channel';
import { classifySendFailure, isSendable, sendJobId } from '../../server/modules/outbound/send-outcome';

describe('outbound send outcome', () => {
  it('fails at once on a permanent provider error, keeping its code', () => {
    const error = new SendError('invalid number', { permanent: true, providerCode: '21211' });
    assert.deepEqual(classifySendFailure(error, { made: 0, allowed: 6 }), {
      action: 'fail',
      permanent: true,
      error: { code: '21211', message: 'invalid number' },
    });
  });

  it('retries a transient error while attempts remain', () => {
    const error = new SendError('503 from provider', { permanent: false });
    assert.equal(classifySendFailure(error, { made: 4, allowed: 6 }).action, 'retry');
  });

  it('fails with the last error on the last attempt', () => {
    const outcome = classifySendFailure(new Error('socket hang up'), { made: 5, allowed: 6 });
    assert.deepEqual(outcome, {
      action: 'fail',
      permanent: false,
      error: { code: 'SEND_FAILED', message: 'socket hang up' },
    });
  });

  it('treats unknown errors as transient', () => {
    assert.equal(classifySendFailure('boom', { made: 0, allowed: 3 }).action, 'retry');
  });

  it('gives one job id per message and generation', () => {
    assert.equal(sendJobId('m1', 0), sendJobId('m1', 0));
    assert.notEqual(sendJobId('m1', 0), sendJobId('m1', 1));
  });

  it('never considers internal notes sendable', () => {
    assert.equal(isSendable({ direction: 'internal', kind: 'note' }), false);
    assert.equal(isSendable({ direction: 'outbound', kind: 'note' }), false);
    assert.equal(isSendable({ direction: 'inbound', kind: 'message' }), false);
    assert.equal(isSendable({ direction: 'outbound', kind: 'message' }), true);
  });
});
