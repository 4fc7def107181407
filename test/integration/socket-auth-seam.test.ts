import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { createMetrics } from '../../server/lib/metrics';
import { createSocketServer, type SocketServer } from '../../server/realtime/socket-server';
import { testLogger } from '../support/test-logger';

function waitForConnect(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (error) => resolve(error.message));
  });
}

describe('Socket.IO /agent namespace authentication seam', () => {
  let httpServer: Server;
  let sockets: SocketServer;
  let url: string;
  const clients: Socket[] = [];

  before(async () => {
    httpServer = createServer();
    sockets = createSocketServer({
      httpServer,
      logger: testLogger,
      metrics: createMetrics(),
      authenticate: (token) =>
        Promise.resolve(token === 'good-token' ? { agentId: 'a1', role: 'agent', teamIds: ['t1'] } : null),
    });
    sockets.agent.on('connection', (socket) => {
      socket.on('typing', (_payload, ack) => ack?.({ ok: true, ...{ who: socket.data.principal.agentId } }));
    });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  });

  after(async () => {
    clients.forEach((c) => c.close());
    await new Promise<void>((resolve) => void sockets.io.close(() => resolve()));
  });

  const client = (auth?: Record<string, unknown>) => {
    const socket = connect(`${url}/agent`, { auth, transports: ['websocket'], reconnection: false });
    clients.push(socket);
    return socket;
  };

  it('refuses a socket without a token', async () => {
    assert.equal(await waitForConnect(client()), 'UNAUTHENTICATED');
  });

  it('refuses a socket with an invalid token', async () => {
    assert.equal(await waitForConnect(client({ token: 'forged' })), 'UNAUTHENTICATED');
  });

  it('refuses a non-string token', async () => {
    assert.equal(await waitForConnect(client({ token: { $gt: '' } })), 'UNAUTHENTICATED');
  });

  it('admits a socket with a valid token and knows who it is', async () => {
    const socket = client({ token: 'good-token' });
    assert.equal(await waitForConnect(socket), 'connected');
    const answer = await socket.timeout(2000).emitWithAck('typing', { conversationId: 'c1' });
    assert.deepEqual(answer, { ok: true, who: 'a1' });
  });
});
