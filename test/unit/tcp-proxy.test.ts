import assert from 'node:assert/strict';
import net from 'node:net';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';

/** The fault proxy itself (the fault suite and the reconnect tests rely on it breaking things for real). */
describe('test support: TCP fault proxy', () => {
  let echo: net.Server;
  let proxy: TcpProxy;

  before(async () => {
    echo = net.createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    proxy = await startTcpProxy((echo.address() as net.AddressInfo).port);
  });
  after(async () => {
    await proxy.close();
    await new Promise((resolve) => echo.close(resolve));
  });

  const connect = () =>
    new Promise<net.Socket>((resolve, reject) => {
      const socket = net.connect(proxy.port, '127.0.0.1', () => resolve(socket));
      socket.once('error', reject);
    });
  const roundTrip = (socket: net.Socket, text: string) =>
    new Promise<string>((resolve) => {
      socket.once('data', (chunk: Buffer) => resolve(chunk.toString()));
      socket.write(text);
    });
  const closed = (socket: net.Socket) =>
    new Promise<void>((resolve) => socket.once('close', () => resolve()));

  it('forwards both ways, with the latency it is given', async () => {
    const socket = await connect();
    assert.equal(await roundTrip(socket, 'hello'), 'hello');
    proxy.setLatency(150);
    const started = Date.now();
    assert.equal(await roundTrip(socket, 'slow'), 'slow');
    assert.ok(Date.now() - started >= 290, 'delayed on the way there and back');
    proxy.setLatency(0);
    socket.destroy();
  });

  it('resets open connections once; new ones go through', async () => {
    const socket = await connect();
    const gone = closed(socket);
    proxy.reset();
    await gone;
    const again = await connect();
    assert.equal(await roundTrip(again, 'back'), 'back');
    again.destroy();
  });

  it('refuses connections during a partition and recovers after it', async () => {
    const socket = await connect();
    const gone = closed(socket);
    const partition = proxy.cut(300);
    await gone;
    const during = await connect();
    await closed(during);
    await partition;
    const after = await connect();
    assert.equal(await roundTrip(after, 'healed'), 'healed');
    after.destroy();
  });

  it('black-holes a partition: nothing passes, nothing is closed, held traffic flows when it ends', async () => {
    const socket = await connect();
    let closedDuring = false;
    socket.once('close', () => (closedDuring = true));
    const received: string[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk.toString()));
    const partition = proxy.blackhole(400);
    socket.write('lost?');
    const during = await connect();
    const duringData: string[] = [];
    during.on('data', (chunk: Buffer) => duringData.push(chunk.toString()));
    during.write('new');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(received, [], 'no answer during the partition');
    assert.deepEqual(duringData, [], 'a new connection gets no answer either');
    assert.equal(closedDuring, false, 'no FIN or RST');
    await partition;
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(received.join(''), 'lost?', 'held traffic flows after the partition');
    assert.equal(duringData.join(''), 'new');
    socket.destroy();
    during.destroy();
  });
});
