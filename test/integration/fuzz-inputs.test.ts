/**
 * A seeded fuzz pass (issue 17) over the webhook routes, API bodies and socket events: malformed, oversized,
 * wrong types, operator injection, scripts, null bytes, deep nesting. Every request must be refused with a
 * 4xx (never a 5xx), every socket event acknowledged with an error code (never INTERNAL), nothing may be
 * written, and the hub keeps serving. FUZZ_SEED replays a failing run (the seed is in the failure message);
 * FUZZ_CASES sizes it.
 */
import assert from 'node:assert/strict';
import { io as connect, type Socket } from 'socket.io-client';
import { loginAs } from './conversations-support';
import { startTestHub, type RunningTestHub } from '../support/test-stack';

const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const CASES = Number(process.env.FUZZ_CASES ?? 60);

/** mulberry32: a small, fast, seedable generator (the same seed gives the same cases). */
function rng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function nested(depth: number): unknown {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i += 1) value = { a: value };
  return value;
}

/** Hostile values: each is something a client could send where a string, number or object is expected. */
function hostileValues(random: () => number): unknown[] {
  const long = 'A'.repeat(1 + Math.floor(random() * 300_000));
  return [
    null,
    '',
    '\u0000',
    `abc\u0000def`,
    { $gt: '' },
    { $where: 'sleep(1000)' },
    ['array', 'of', 'strings'],
    12345,
    -1,
    1e308,
    true,
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
    '__proto__',
    { __proto__: { polluted: true } },
    { constructor: { prototype: { polluted: true } } },
    nested(200),
    long,
    '9999999999999999',
    '../../../../etc/passwd',
  ];
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

const WEBHOOKS = [
  '/webhooks/twilio/sms',
  '/webhooks/twilio/status',
  '/webhooks/twilio/voice',
  '/webhooks/twilio/voice/status',
  '/webhooks/twilio/voice/recording',
];
const API_BODIES: { method: string; path: string }[] = [
  { method: 'POST', path: '/api/auth/login' },
  { method: 'POST', path: '/api/auth/refresh' },
  { method: 'POST', path: `/api/conversations/${'0'.repeat(24)}/messages` },
  { method: 'POST', path: '/api/conversations/not-an-id/messages' },
  { method: 'POST', path: `/api/conversations/${'0'.repeat(24)}/status` },
  { method: 'POST', path: `/api/messages/${'0'.repeat(24)}/retry` },
];
/** Cursors no list ever handed out (the GET requests' hostile input). */
const BAD_CURSORS = [
  Buffer.from(JSON.stringify([9e15, 'f'.repeat(24)])).toString('base64url'),
  Buffer.from(JSON.stringify([-9e15, '0'.repeat(24)])).toString('base64url'),
  Buffer.from(JSON.stringify([{ $gt: 0 }, { $ne: null }])).toString('base64url'),
  Buffer.from('not json at all').toString('base64url'),
  '%00',
  'A'.repeat(5000),
];
const SOCKET_EVENTS = ['sync', 'presence:set', 'offer:accept', 'offer:decline', 'typing'];

describe(`fuzz pass over webhooks, API bodies and socket events (FUZZ_SEED=${SEED})`, function () {
  this.timeout(5 * 60_000);
  let stack: RunningTestHub;
  let token: string;
  let socket: Socket;
  const random = rng(SEED);
  const failures: string[] = [];

  before(async () => {
    stack = await startTestHub({ configOverrides: { WEBHOOK_REFUSAL_RATE_LIMIT_PER_MINUTE: '100000' } });
    token = (await loginAs(stack, { email: 'fuzz@example.test', role: 'agent' })).token;
    socket = connect(`${stack.baseUrl}/agent`, {
      auth: { token },
      transports: ['websocket'],
      reconnection: false,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
  });
  after(async () => {
    socket?.close();
    await stack?.close();
  });

  const countWrites = async () => {
    const db = stack.hub.connection.db!;
    return (
      (await db.collection('messages').countDocuments({})) +
      (await db.collection('conversations').countDocuments({}))
    );
  };

  /** A body of one of the shapes clients send: urlencoded, JSON, raw bytes; with hostile field values. */
  function body(): { contentType: string; data: string | Buffer } {
    const values = hostileValues(random);
    const fields: Record<string, unknown> = {};
    for (const key of [
      'From',
      'To',
      'Body',
      'MessageSid',
      'AccountSid',
      'email',
      'password',
      'text',
      'status',
      'refreshToken',
    ])
      if (random() < 0.6) fields[key] = pick(random, values);
    const shape = Math.floor(random() * 4);
    if (shape === 0)
      return {
        contentType: 'application/x-www-form-urlencoded',
        data: Object.entries(fields)
          .map(
            ([k, v]) =>
              `${encodeURIComponent(k)}=${encodeURIComponent(typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))}`,
          )
          .join('&'),
      };
    if (shape === 1) return { contentType: 'application/json', data: JSON.stringify(fields) };
    if (shape === 2)
      return {
        contentType: 'application/json',
        data: '{"broken": ' + '['.repeat(Math.floor(random() * 5000)),
      };
    return {
      contentType: pick(random, ['text/plain', 'application/xml', 'multipart/form-data']),
      data: Buffer.from([0, 255, 1, 254, 0]),
    };
  }

  it('refuses every malformed webhook and API request with a 4xx, and writes nothing', async () => {
    const before = await countWrites();
    for (let i = 0; i < CASES; i += 1) {
      const roll = random();
      const target =
        roll < 0.45
          ? { method: 'POST', path: pick(random, WEBHOOKS), auth: false }
          : roll < 0.55
            ? { method: 'GET', path: `/api/conversations?cursor=${pick(random, BAD_CURSORS)}`, auth: true }
            : { ...pick(random, API_BODIES), auth: random() < 0.7 };
      const { contentType, data } = body();
      const headers: Record<string, string> = { 'content-type': contentType };
      if (target.auth) headers.authorization = `Bearer ${token}`;
      if (target.path.startsWith('/webhooks') && random() < 0.7)
        headers['x-twilio-signature'] = 'forged+signature=';
      const res = await fetch(`${stack.baseUrl}${target.path}`, {
        method: target.method,
        headers,
        ...(target.method === 'GET' ? {} : { body: typeof data === 'string' ? data : new Uint8Array(data) }),
      });
      await res.arrayBuffer();
      if (res.status < 400 || res.status >= 500)
        failures.push(`case ${i}: ${target.method} ${target.path} (${contentType}) → ${res.status}`);
    }
    assert.deepEqual(failures, [], `replay with FUZZ_SEED=${SEED}`);
    assert.equal(await countWrites(), before, 'no refused request wrote anything');
    assert.equal((await fetch(`${stack.baseUrl}/healthz`)).status, 200);
  });

  it('answers every malformed socket event with an error code, never INTERNAL, and keeps the socket', async () => {
    const problems: string[] = [];
    for (let i = 0; i < CASES; i += 1) {
      const event = pick(random, SOCKET_EVENTS);
      const values = hostileValues(random);
      const payload =
        random() < 0.3
          ? pick(random, values)
          : {
              lastEventId: pick(random, values),
              status: pick(random, values),
              offerId: pick(random, values),
              conversationId: pick(random, values),
            };
      const ack = (await (
        socket.timeout(15_000) as unknown as { emitWithAck(e: string, p: unknown): Promise<unknown> }
      )
        .emitWithAck(event, payload)
        .catch((error: unknown) => ({ timeout: String(error) }))) as {
        ok?: boolean;
        error?: { code?: string };
      };
      if (ack.ok !== false || !ack.error?.code || ack.error.code === 'INTERNAL')
        problems.push(`case ${i}: ${event} → ${JSON.stringify(ack).slice(0, 200)}`);
    }
    assert.deepEqual(problems, [], `replay with FUZZ_SEED=${SEED}`);
    assert.equal(socket.connected, true);
  });
});
