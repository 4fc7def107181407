import assert from 'node:assert/strict';
import { io as connect, type Socket } from 'socket.io-client';
import type { Role } from '../../server/modules/agents';
import { conversationRooms } from '../../server/modules/realtime';
import { rooms } from '../../server/realtime/socket-events';
import { RecordingChannel } from '../support/recording-channel';
import { startTestHub, type RunningTestHub } from '../support/test-stack';

type Received = { name: string; payload: Record<string, unknown> };

/** A connected /agent client that records every event it receives, in order. */
interface Client {
  socket: Socket;
  received: Received[];
  /** Resolves with the first received event (already received or future) matching `predicate`. */
  waitFor(predicate: (event: Received) => boolean): Promise<Received>;
  sync(payload: unknown): Promise<Record<string, unknown>>;
}

async function connectClient(baseUrl: string, token: string): Promise<Client> {
  const socket = connect(`${baseUrl}/agent`, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
  });
  const received: Received[] = [];
  const waiters: { predicate: (event: Received) => boolean; resolve: (event: Received) => void }[] = [];
  socket.onAny((name: string, payload: Record<string, unknown>) => {
    const event = { name, payload };
    received.push(event);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(event)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return {
    socket,
    received,
    waitFor(predicate) {
      const found = received.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ predicate, resolve }));
    },
    sync(payload) {
      return socket.timeout(5_000).emitWithAck('sync', payload) as Promise<Record<string, unknown>>;
    },
  };
}

describe('realtime: persisted socket events', () => {
  let stack: RunningTestHub;
  let teamA: string;
  let teamB: string;
  /** Agents are made once (password hashing is deliberately slow); each test opens its own sockets. */
  let agentOfA: { id: string; token: string };
  let agentOfB: { id: string; token: string };
  let supervisorToken: string;
  const publishedToB: string[] = [];
  const clients: Client[] = [];
  let counter = 0;

  const makeAgent = async (role: Role, teamIds: string[]) => {
    counter += 1;
    const email = `agent${counter}@example.test`;
    const password = 'correct horse battery staple';
    await stack.hub.agents.agents.createAgent(
      { email, password, name: `Agent ${counter}`, role, teamIds },
      null,
    );
    const session = await stack.hub.agents.auth.login({ email, password });
    return { id: session.agent.id, token: session.token };
  };

  const client = async (token: string, baseUrl = stack.baseUrl) => {
    const connected = await connectClient(baseUrl, token);
    clients.push(connected);
    return connected;
  };

  /** Publishes a 'message:new' for a conversation of `teamId` (what the conversations listener does). */
  const publishMessage = (teamId: string, text: string, hub = stack.hub) => {
    if (teamId === teamB) publishedToB.push(text);
    return hub.realtime.publish({
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
  };

  const textOf = (event: Received) => (event.payload.message as { text?: string } | undefined)?.text;
  const isText = (text: string) => (event: Received) =>
    event.name === 'message:new' && textOf(event) === text;

  /**
   * Publishes, then waits until the event went out live: `publish` resolves once the event is persisted and
   * handed to the Redis adapter, which emits it to this process's sockets only after its XADD round trip.
   * A socket that connects before that emit may get the event live and again from `sync` (clients drop
   * repeats by id); a socket that connects after the `witness` (a supervisor, in every message's rooms) got
   * it can only learn it from `sync`.
   */
  const publishDelivered = async (witness: Client, teamId: string, text: string) => {
    await publishMessage(teamId, text);
    await witness.waitFor(isText(text));
  };

  before(async () => {
    stack = await startTestHub();
    teamA = (await stack.hub.agents.agents.createTeam({ name: 'Complaints' }, null)).id;
    teamB = (await stack.hub.agents.agents.createTeam({ name: 'Sales' }, null)).id;
    agentOfA = await makeAgent('agent', [teamA]);
    agentOfB = await makeAgent('agent', [teamB]);
    supervisorToken = (await makeAgent('supervisor', [])).token;
  });

  afterEach(() => {
    clients.splice(0).forEach((c) => c.socket.close());
  });

  after(() => stack.close());

  it('pushes a message of its team to a connected agent, with a persisted event id', async () => {
    const socket = await client(agentOfA.token);
    const eventId = await publishMessage(teamA, 'hello');
    const event = await socket.waitFor(isText('hello'));
    assert.equal(event.payload.eventId, eventId);
    assert.match(eventId, /^\d{16}$/);
    const stored = await stack.hub.connection.db!.collection('events').findOne({ eventId });
    assert.deepEqual(stored?.rooms, [rooms.team(teamA), rooms.supervisors()]);
  });

  it('gives later events greater ids', async () => {
    const first = await publishMessage(teamA, 'one');
    const second = await publishMessage(teamA, 'two');
    assert.ok(second > first);
  });

  it('does not push a message of another team, which supervisors still see', async () => {
    const outsider = await client(agentOfB.token);
    const supervisor = await client(supervisorToken);
    await publishMessage(teamA, 'team A only');
    await publishMessage(teamB, 'team B marker');
    await outsider.waitFor(isText('team B marker'));
    assert.equal(outsider.received.some(isText('team A only')), false);
    await supervisor.waitFor(isText('team A only'));
    await supervisor.waitFor(isText('team B marker'));
  });

  it('replays exactly the events missed while disconnected, in order, once', async () => {
    const first = await client(agentOfA.token);
    await publishMessage(teamA, 'before');
    const seen = await first.waitFor(isText('before'));
    first.socket.close();

    const witness = await client(supervisorToken);
    await publishDelivered(witness, teamA, 'missed 1');
    await publishDelivered(witness, teamB, 'not for me');
    await publishDelivered(witness, teamA, 'missed 2');

    const again = await client(agentOfA.token);
    const ack = await again.sync({ lastEventId: seen.payload.eventId });
    assert.deepEqual(ack, { ok: true, replayed: 2, truncated: false, lastEventId: ack.lastEventId });
    await publishMessage(teamA, 'live after');
    await again.waitFor(isText('live after'));
    assert.deepEqual(again.received.map(textOf), ['missed 1', 'missed 2', 'live after']);
    const ids = again.received.map((event) => String(event.payload.eventId));
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(ack.lastEventId, ids[1]);
  });

  it('does not replay events of another team', async () => {
    const witness = await client(supervisorToken);
    await publishDelivered(witness, teamA, 'secret of A');
    await publishDelivered(witness, teamB, 'for B');
    const socket = await client(agentOfB.token);
    const ack = await socket.sync({ lastEventId: '0' });
    assert.equal(ack.ok, true);
    assert.equal(ack.replayed, socket.received.length);
    // (other modules may publish to team rooms too: only the messages matter here)
    assert.deepEqual(
      socket.received.filter((event) => event.name === 'message:new').map(textOf),
      publishedToB,
    );
  });

  it('answers a first sync (no last id) with where the stream stands, replaying nothing', async () => {
    const latest = await publishMessage(teamA, 'head');
    const socket = await client(agentOfA.token);
    const ack = await socket.sync({ lastEventId: null });
    assert.equal(ack.ok, true);
    assert.equal(ack.replayed, 0);
    assert.ok(String(ack.lastEventId) >= latest);
  });

  it('answers an invalid sync with INVALID_INPUT and keeps the connection', async () => {
    const socket = await client(agentOfA.token);
    for (const bad of [
      {},
      { lastEventId: 12 },
      { lastEventId: '1e9' },
      { lastEventId: { $gt: '' } },
      'x',
      null,
      { lastEventId: '1', extra: 1 },
    ]) {
      const ack = await socket.sync(bad);
      assert.equal(ack.ok, false, JSON.stringify(bad));
      assert.equal((ack.error as { code: string }).code, 'INVALID_INPUT');
    }
    socket.socket.emit('sync', { lastEventId: 'nope' }); // no ack function: ignored, never a crash
    socket.socket.emit('no-such-event', 1);
    assert.equal(socket.socket.connected, true);
    const ack = await socket.sync({ lastEventId: '0' });
    assert.equal(ack.ok, true);
  });

  describe('domain events become pushes', () => {
    let phoneCounter = 0;
    const inbound = (phone: string, text: string) =>
      stack.hub.ingest.ingest({
        channel: 'sms',
        inboxId: 'rt-sms',
        externalId: `SM-rt-${(phoneCounter += 1)}`,
        occurredAt: stack.hub.clock.now(),
        from: { externalId: phone, phone },
        kind: 'message',
        text,
      });

    it('pushes an inbound message of a conversation of its team, and not to other teams', async () => {
      const { conversationId } = await inbound('+15550300001', 'first message');
      await stack.hub.conversations.conversations.assign(conversationId, { assigneeId: null, teamId: teamA });
      const ofA = await client(agentOfA.token);
      const ofB = await client(agentOfB.token);
      const { messageId } = await inbound('+15550300001', 'second message');
      const event = await ofA.waitFor(isText('second message'));
      const message = event.payload.message as { id: string; conversationId: string; direction: string };
      assert.equal(message.id, messageId);
      assert.equal(message.conversationId, conversationId);
      assert.equal(message.direction, 'inbound');
      assert.match(String(event.payload.eventId), /^\d{16}$/);
      await publishMessage(teamB, 'marker for B');
      await ofB.waitFor(isText('marker for B'));
      assert.equal(ofB.received.some(isText('second message')), false);
    });

    it('tells the new assignee, the team and the previous assignee about an assignment', async () => {
      const { conversationId } = await inbound('+15550300002', 'assign me');
      const ofA = await client(agentOfA.token);
      await stack.hub.conversations.conversations.assign(conversationId, {
        assigneeId: agentOfA.id,
        teamId: teamA,
      });
      const event = await ofA.waitFor((e) => e.name === 'conversation:assigned');
      assert.equal(event.payload.assigneeId, agentOfA.id);
      assert.equal((event.payload.conversation as { id: string }).id, conversationId);
    });

    it('pushes a reply and then its delivery status', async () => {
      const channel = new RecordingChannel({ inboxId: 'rt-sms', kinds: ['sms'] });
      stack.hub.channels.registry.register(channel);
      const { conversationId } = await inbound('+15550300003', 'please answer');
      await stack.hub.conversations.conversations.assign(conversationId, { assigneeId: null, teamId: teamA });
      const ofA = await client(agentOfA.token);
      const reply = await stack.hub.conversations.timeline.createReply({
        conversationId,
        authorId: agentOfA.id,
        text: 'on it',
        isPrivate: false,
      });
      const created = await ofA.waitFor(isText('on it'));
      const status = await ofA.waitFor((e) => e.name === 'message:status' && e.payload.status === 'sent');
      assert.equal(status.payload.messageId, String(reply._id));
      assert.ok(String(status.payload.eventId) > String(created.payload.eventId));
    });
  });

  it('reaches a socket connected to another hub process sharing Redis and MongoDB', async () => {
    const other = await startTestHub({ config: stack.hub.config });
    try {
      const onOther = await client(agentOfA.token, other.baseUrl);
      const eventId = await publishMessage(teamA, 'across nodes');
      const event = await onOther.waitFor(isText('across nodes'));
      assert.equal(event.payload.eventId, eventId);
      // and the other way round, with ids from the one shared counter
      const onFirst = await client(agentOfA.token);
      const back = await publishMessage(teamA, 'from node B', other.hub);
      assert.ok(back > eventId);
      assert.equal((await onFirst.waitFor(isText('from node B'))).payload.eventId, back);
    } finally {
      clients.splice(0).forEach((c) => c.socket.close());
      await other.hub.close();
    }
  });
});
