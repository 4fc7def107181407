import assert from 'node:assert/strict';
import { createCircuitBreaker } from '../../server/modules/outbound/circuit-breaker';

describe('outbound circuit breaker', () => {
  let now = 0;
  const breaker = () => createCircuitBreaker({ failureThreshold: 3, openMs: 1_000, now: () => now });
  beforeEach(() => (now = 50_000));

  it('stays closed below the threshold, and a success resets the count', () => {
    const circuit = breaker();
    circuit.failure('sms:a');
    circuit.failure('sms:a');
    circuit.success('sms:a');
    circuit.failure('sms:a');
    circuit.failure('sms:a');
    assert.equal(circuit.state('sms:a'), 'closed');
    assert.deepEqual(circuit.allow('sms:a'), { allowed: true });
  });

  it('opens after the threshold of failures in a row, for that provider only', () => {
    const circuit = breaker();
    for (let i = 0; i < 3; i += 1) circuit.failure('sms:a');
    assert.equal(circuit.state('sms:a'), 'open');
    assert.deepEqual(circuit.allow('sms:a'), { allowed: false, retryInMs: 1_000 });
    now += 400;
    assert.deepEqual(circuit.allow('sms:a'), { allowed: false, retryInMs: 600 });
    assert.deepEqual(circuit.allow('sms:b'), { allowed: true });
  });

  it('lets one probe through when the open period ends; its success closes the circuit', () => {
    const circuit = breaker();
    for (let i = 0; i < 3; i += 1) circuit.failure('sms:a');
    now += 1_000;
    assert.equal(circuit.state('sms:a'), 'half-open');
    assert.deepEqual(circuit.allow('sms:a'), { allowed: true });
    assert.equal(circuit.allow('sms:a').allowed, false, 'a second call waits for the probe');
    circuit.success('sms:a');
    assert.equal(circuit.state('sms:a'), 'closed');
    assert.deepEqual(circuit.allow('sms:a'), { allowed: true });
  });

  it('opens again at once when the probe fails', () => {
    const circuit = breaker();
    for (let i = 0; i < 3; i += 1) circuit.failure('sms:a');
    now += 1_000;
    assert.equal(circuit.allow('sms:a').allowed, true);
    circuit.failure('sms:a');
    assert.equal(circuit.state('sms:a'), 'open');
    assert.deepEqual(circuit.allow('sms:a'), { allowed: false, retryInMs: 1_000 });
  });

  it('frees the probe slot when a probe never reports back', () => {
    const circuit = breaker();
    for (let i = 0; i < 3; i += 1) circuit.failure('sms:a');
    now += 1_000;
    assert.equal(circuit.allow('sms:a').allowed, true);
    now += 999;
    assert.equal(circuit.allow('sms:a').allowed, false);
    now += 1;
    assert.equal(circuit.allow('sms:a').allowed, true);
  });
});
