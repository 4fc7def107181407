import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import type { DomainEvents } from '../../server/domain-events';
import { createEventBus } from '../../server/lib/event-bus';
import { createMetrics } from '../../server/lib/metrics';
import { createRealtimeModule, type RealtimeService } from '../../server/modules/realtime';
import { rooms } from '../../server/realtime/socket-events';
import { createSocketServer, type SocketServer } from '../../server/realtime/socket-server';
import { startTestHub, testLogger, type RunningTestHub } from '../support/test-stack';

/** Sync replays are bounded: past the limit the ack says `truncated`, and the client pages on. */
describe('realtime: bounded sync replay', () => {
  let stack: RunningTestHub;
  let httpServer: Server;
  let sockets: SocketServer;
  let realtime: RealtimeService;
  let socket: Socket;
  const received: string[] = [];

  before(async () => {
    stack = await startTestHub();
    httpServer = createServer();
    sockets = createSocketServer({
      httpServer,
      logger: testLogger,
      metrics: createMetrics(),
      authenticate: (token) =>
        Promise.resolve(token === 'ok' ? { agentId: 'a1', role: 'agent', teamIds: ['t-limit'] } : null),
    });
    realtime = createRealtimeModule({
      connection: stack.hub.connection,
      agent: sockets.agent,
      events: createEventBus<DomainEvents>(testLogger),
      clock: stack.hub.clock,
      logger: testLogger,
      syncLimit: 2,
    });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/agent`;
    socket = connect(url, { auth: { token: 'ok' }, transports: ['websocket'], reconnection: false });
    socket.on('sla:warning', (payload: { conversationId: string }) => received.push(payload.conversationId));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
  });

  after(async () => {
    socket.close();
    await new Promise<void>((resolve) => void sockets.io.close(() => resolve()));
    await stack.close();
  });

  it('replays at most the limit per sync and says when more are waiting', async () => {
    const { lastEventId: start } = (await socket.emitWithAck('sync', { lastEventId: null })) as {
      lastEventId: string;
    };
    socket.disconnect();
    for (const id of ['c1', 'c2', 'c3', 'c4', 'c5']) {
      await realtime.publish({
        event: 'sla:warning',
        payload: { conversationId: id, target: 'firstResponse', dueAt: new Date(0).toISOString() },
        rooms: [rooms.team('t-limit')],
      });
    }
    socket.connect();
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));

    const acks: { replayed: number; truncated: boolean; lastEventId: string }[] = [];
    let from = start;
    for (;;) {
      const ack = (await socket.emitWithAck('sync', { lastEventId: from })) as (typeof acks)[number];
      acks.push(ack);
      from = ack.lastEventId;
      if (!ack.truncated) break;
    }
    assert.deepEqual(
      acks.map((ack) => [ack.replayed, ack.truncated]),
      [
        [2, true],
        [2, true],
        [1, false],
      ],
    );
    assert.deepEqual(received, ['c1', 'c2', 'c3', 'c4', 'c5']);
  });
});
