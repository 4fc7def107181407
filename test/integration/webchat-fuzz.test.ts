/**
 * Fuzzed /customer traffic: wrong types, huge strings, unknown events and malformed handshakes get errors,
 * and the hub keeps serving (health answers, a normal visitor still chats).
 */
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { clientId, connectVisitor } from '../support/webchat-visitor';

/** A small deterministic PRNG, so a failure can be replayed. */
function prng(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function randomPayload(random: () => number, depth = 0): unknown {
  const pick = Math.floor(random() * 11);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return Math.floor(random() * 1e12) * (random() > 0.5 ? -1 : 1);
    case 2:
      return 'x'.repeat(Math.floor(random() * 200_000));
    case 3:
      return random() > 0.5;
    case 4:
      return depth > 3 ? [] : Array.from({ length: 3 }, () => randomPayload(random, depth + 1));
    case 5:
      return { clientId: randomPayload(random, depth + 1), text: randomPayload(random, depth + 1) };
    case 6:
      return { afterSeq: randomPayload(random, depth + 1), seq: Number.NaN };
    case 7:
      return { score: random() * 10, comment: 'y'.repeat(5000) };
    case 8:
      return { __proto__: { polluted: true }, constructor: { prototype: { polluted: true } } };
    case 9:
      return Buffer.from('binary \u0000 payload');
    default:
      return { name: { $gt: '' }, email: ['a@b.c'], fields: { 'bad key!': 1 } };
  }
}

describe('web chat fuzzing', function () {
  this.timeout(90_000);
  let running: RunningTestHub;
  before(async () => {
    running = await startTestHub({ configOverrides: { WEBCHAT_MESSAGES_PER_MINUTE: '1000' } });
  });
  after(async () => running?.close());

  it('answers malformed events with errors and keeps serving', async () => {
    const random = prng(12);
    const visitor = await connectVisitor(running.baseUrl);
    const events = [
      'history',
      'profile:set',
      'message:send',
      'typing',
      'read',
      'csat:submit',
      'nope',
      '__proto__',
      'constructor',
    ];
    let answered = 0;
    for (let i = 0; i < 150; i++) {
      const event = events[i % events.length]!;
      const payload = randomPayload(random);
      if (
        event === 'typing' ||
        !['history', 'profile:set', 'message:send', 'read', 'csat:submit'].includes(event)
      ) {
        visitor.socket.emit(event, payload);
        continue;
      }
      const answer = (await visitor.socket.timeout(15_000).emitWithAck(event, payload)) as {
        ok: boolean;
        error?: { code: string };
      };
      answered += 1;
      if (!answer.ok) assert.ok(answer.error?.code, `event ${event} answered without an error code`);
      else
        assert.ok(
          event === 'history' || event === 'read' || event === 'profile:set',
          `${event} accepted junk`,
        );
    }
    assert.ok(answered > 50);
    await visitor.waitFor('unknown event errors', () => visitor.events.some((e) => e.name === 'error:event'));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);

    // Handshakes with junk auth are refused, not crashed on.
    for (const auth of [
      { inbox: 42 },
      { inbox: 'demo', token: { a: 1 } },
      { inbox: 'demo', identity: 'x' },
      {},
    ]) {
      const socket = io(`${running.baseUrl}/customer`, {
        auth,
        transports: ['websocket'],
        reconnection: false,
      });
      const refusal = await new Promise<{ code?: string }>((resolve) => {
        socket.once('connect_error', (error: Error & { data?: { code?: string } }) =>
          resolve(error.data ?? {}),
        );
        socket.once('connect', () => resolve({ code: 'CONNECTED' }));
      });
      socket.close();
      assert.equal(refusal.code, 'INVALID_INPUT', JSON.stringify(auth));
    }

    const health = await fetch(`${running.baseUrl}/healthz`);
    assert.equal(health.status, 200);
    const fresh = await connectVisitor(running.baseUrl);
    const sent = await fresh.send('still working', clientId());
    assert.equal(sent.ok, true);
    fresh.close();
    visitor.close();
  });
});
