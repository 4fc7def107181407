/**
 * Realtime publishing without a global lock: many concurrent publishes (one insert per tick, ids from a
 * block of the shared counter) are all persisted, ids follow publish order, a socket receives them in id
 * order, and a `sync` from any id replays exactly what came after it.
 */
import assert from 'node:assert/strict';
import { io as connect, type Socket } from 'socket.io-client';
import { conversationRooms } from '../../server/modules/realtime';
import { startTestHub, type RunningTestHub } from '../support/test-stack';

const COUNT = 300;

describe('realtime: concurrent publishing', () => {
  let stack: RunningTestHub;
  let teamId: string;
  let token: string;
  let socket: Socket | undefined;

  before(async () => {
    stack = await startTestHub();
    teamId = (await stack.hub.agents.agents.createTeam({ name: 'Burst' }, null)).id;
    const email = 'burst@example.test';
    const password = 'correct horse battery staple';
    await stack.hub.agents.agents.createAgent(
      { email, password, name: 'Burst', role: 'agent', teamIds: [teamId] },
      null,
    );
    token = (await stack.hub.agents.auth.login({ email, password })).token;
  });
  afterEach(() => socket?.close());
  after(() => stack.close());

  const publish = (text: string, hub = stack.hub) =>
    hub.realtime.publish({
      event: 'message:new',
      payload: {
        message: {
          id: `m-${text}`,
          conversationId: 'c1',
          seq: 1,
          direction: 'inbound',
          kind: 'message',
          channel: 'sms',
          text,
          occurredAt: new Date(0).toISOString(),
        },
      },
      rooms: conversationRooms({ teamId, assigneeId: null }),
    });

  async function connectAgent(): Promise<{ socket: Socket; texts: string[]; ids: string[] }> {
    const s = connect(`${stack.baseUrl}/agent`, {
      auth: { token },
      transports: ['websocket'],
      reconnection: false,
    });
    const texts: string[] = [];
    const ids: string[] = [];
    s.on('message:new', (payload: { eventId: string; message: { text: string } }) => {
      texts.push(payload.message.text);
      ids.push(payload.eventId);
    });
    await new Promise<void>((resolve, reject) => {
      s.once('connect', resolve);
      s.once('connect_error', reject);
    });
    socket = s;
    return { socket: s, texts, ids };
  }

  async function until(done: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('persists every event of a burst, with ids in publish order, emitted in id order', async () => {
    const live = await connectAgent();
    const before = await stack.hub.realtime.getLatestEventId();
    const texts = Array.from({ length: COUNT }, (_, i) => `burst ${i}`);
    // Published in several ticks, each tick several at once.
    const pending: Promise<string>[] = [];
    for (let i = 0; i < COUNT; i += 37) {
      for (const text of texts.slice(i, i + 37)) pending.push(publish(text));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const ids = await Promise.all(pending);
    assert.equal(new Set(ids).size, COUNT);
    assert.deepEqual([...ids].sort(), ids, 'ids follow publish order');
    assert.ok(ids[0]! > before);
    const stored = await stack.hub.connection
      .db!.collection('events')
      .find({ eventId: { $in: ids } })
      .sort({ eventId: 1 })
      .toArray();
    assert.deepEqual(
      stored.map((e) => e.eventId as string),
      ids,
    );
    await until(() => live.ids.length >= COUNT, 'live events');
    assert.deepEqual(live.ids, ids, 'emitted in id order');
    assert.deepEqual(live.texts, texts);
    assert.ok((await stack.hub.realtime.getLatestEventId()) >= ids.at(-1)!);

    // A reconnecting client replays exactly what followed the id it had seen.
    live.socket.close();
    const again = await connectAgent();
    const ack = (await again.socket.timeout(10_000).emitWithAck('sync', { lastEventId: ids[99] })) as {
      ok: boolean;
      replayed: number;
    };
    assert.equal(ack.ok, true);
    assert.equal(ack.replayed, COUNT - 100);
    await until(() => again.ids.length >= COUNT - 100, 'replayed events');
    assert.deepEqual(again.ids, ids.slice(100));
  });

  it('hands out ids above every earlier id after another hub process published', async () => {
    const other = await startTestHub({ config: stack.hub.config });
    try {
      const a = await publish('from first');
      const b = await publish('from second', other.hub);
      const c = await publish('first again');
      assert.ok(b > a, `${b} > ${a}`);
      // The first process's block may still be fresh: its next id may sit below the other's, by design at
      // most ~100 ms of ids; it is never a duplicate.
      assert.notEqual(c, b);
      const count = await stack.hub.connection
        .db!.collection('events')
        .countDocuments({ eventId: { $in: [a, b, c] } });
      assert.equal(count, 3);
    } finally {
      await other.hub.close();
    }
  });
});
