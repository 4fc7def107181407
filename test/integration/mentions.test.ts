/**
 * Mentions in internal notes, through the real API, embedded engine and Socket.IO: the hub reads the
 * `@[Name](agentId)` tokens of the stored note and notifies only real, active agents who may see the
 * conversation (not the author, not a public reply), once per note, with a `mention:new` event to the
 * agent's own room and an entry in their `/api/mentions` list.
 */
import assert from 'node:assert/strict';
import { io as connect, type Socket } from 'socket.io-client';
import { mentionToken } from '../../server/modules/mentions';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { call, createTeam, inbound, loginAs } from './conversations-support';

type Received = { name: string; payload: Record<string, unknown> };

async function listen(baseUrl: string, token: string): Promise<{ socket: Socket; received: Received[] }> {
  const socket = connect(`${baseUrl}/agent`, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
  });
  const received: Received[] = [];
  socket.onAny((name: string, payload: Record<string, unknown>) => received.push({ name, payload }));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return { socket, received };
}

async function until<T>(check: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('mentions in internal notes', function () {
  this.timeout(60_000);
  let running: RunningTestHub;
  let author: { token: string; agentId: string };
  let teammate: { token: string; agentId: string };
  let outsider: { token: string; agentId: string };
  let conversationId: string;
  let conversationNumber: number;
  const sockets: Socket[] = [];

  const post = (path: string, body: unknown, token: string) =>
    call(running.baseUrl, 'POST', path, { token, body });
  const note = (text: string, isPrivate = true) =>
    post(`/api/conversations/${conversationId}/messages`, { text, private: isPrivate }, author.token);
  const mentionsOf = (token: string) => call(running.baseUrl, 'GET', '/api/mentions', { token });

  before(async () => {
    running = await startTestHub({ runWorkers: false });
    const team = await createTeam(running, 'Service');
    const otherTeam = await createTeam(running, 'Billing');
    author = await loginAs(running, { email: 'author@test.omnihub', teamIds: [team] });
    teammate = await loginAs(running, { email: 'mate@test.omnihub', teamIds: [team] });
    outsider = await loginAs(running, { email: 'outsider@test.omnihub', teamIds: [otherTeam] });
    const supervisor = await loginAs(running, { email: 'sup@test.omnihub', role: 'supervisor' });
    conversationId = (await running.hub.ingest.ingest(inbound({ text: '发票开错了' }))).conversationId;
    const assigned = await post(
      `/api/conversations/${conversationId}/assign`,
      { assigneeId: author.agentId, teamId: team },
      supervisor.token,
    );
    assert.equal(assigned.status, 200, JSON.stringify(assigned.body));
    conversationNumber = assigned.body.number as number;
  });

  after(async () => {
    sockets.forEach((s) => s.close());
    await running?.close();
  });

  it('notifies a mentioned teammate live and in their list, and no one who may not see the conversation', async () => {
    const mate = await listen(running.baseUrl, teammate.token);
    const other = await listen(running.baseUrl, outsider.token);
    sockets.push(mate.socket, other.socket);
    const text = `${mentionToken({ id: teammate.agentId, name: 'Mate' })} 请核对发票抬头；${mentionToken({
      id: outsider.agentId,
      name: 'Outsider',
    })} 也看看`;
    const created = await note(text);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.text, text, 'the note is stored as written');

    const event = await until(
      () => mate.received.find((e) => e.name === 'mention:new'),
      'mention:new for the teammate',
    );
    const mention = event.payload.mention as Record<string, unknown>;
    assert.equal(event.payload.conversationId, conversationId);
    assert.equal(mention.conversationNumber, conversationNumber);
    assert.equal(mention.messageId, created.body.id);
    assert.equal(mention.authorId, author.agentId);
    assert.equal(mention.excerpt, '@Mate 请核对发票抬头；@Outsider 也看看');
    assert.equal(typeof event.payload.eventId, 'string', 'a persisted event (replayed by sync)');

    const list = await mentionsOf(teammate.token);
    assert.equal(list.status, 200);
    assert.equal(list.body.unread, 1);
    assert.deepEqual(
      list.body.items.map((m: { messageId: string }) => m.messageId),
      [created.body.id],
    );

    // The outsider's team does not hold the conversation: no event, no entry.
    const outsiderList = await mentionsOf(outsider.token);
    assert.deepEqual(outsiderList.body.items, []);
    assert.equal(other.received.filter((e) => e.name === 'mention:new').length, 0);
  });

  it('ignores unknown ids, the author naming themselves and mentions in public replies', async () => {
    const before = (await mentionsOf(teammate.token)).body.items.length;
    await note(`${mentionToken({ id: 'aaaaaaaaaaaaaaaaaaaaaaaa', name: 'Ghost' })} 不存在的人`);
    await note(`${mentionToken({ id: author.agentId, name: 'Me' })} 提醒自己`);
    // A public reply is not a note: the customer's text never pages an agent.
    await note(`${mentionToken({ id: teammate.agentId, name: 'Mate' })} 您好`, false);
    assert.equal((await mentionsOf(teammate.token)).body.items.length, before);
    assert.deepEqual((await mentionsOf(author.token)).body.items, []);
  });

  it('notifies once per note however often the note is handled', async () => {
    const created = await note(`${mentionToken({ id: teammate.agentId, name: 'Mate' })} 第二次`);
    const listed = async () =>
      ((await mentionsOf(teammate.token)).body.items as { messageId: string }[]).filter(
        (m) => m.messageId === created.body.id,
      ).length;
    const deadline = Date.now() + 10_000;
    while ((await listed()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // The same domain event again (a second hub process, a replayed job): no second entry.
    await running.hub.events.emit('message.created', {
      conversationId,
      messageId: created.body.id as string,
      authorId: author.agentId,
      isPrivate: true,
    });
    assert.equal(await listed(), 1);
  });

  it('marks mentions read for their owner only, and refuses bad input', async () => {
    const list = await mentionsOf(teammate.token);
    assert.ok(list.body.unread >= 2);
    const first = list.body.items[0].id as string;
    // Someone else cannot mark them read (their filter is their own mentions).
    await post('/api/mentions/read', { ids: [first] }, outsider.token);
    assert.equal((await mentionsOf(teammate.token)).body.unread, list.body.unread);
    const one = await post('/api/mentions/read', { ids: [first] }, teammate.token);
    assert.equal(one.body.unread, list.body.unread - 1);
    const all = await post('/api/mentions/read', {}, teammate.token);
    assert.equal(all.body.unread, 0);
    assert.equal((await post('/api/mentions/read', { ids: ['nope'] }, teammate.token)).status, 400);
    assert.equal(
      (await call(running.baseUrl, 'GET', '/api/mentions?cursor=zzz', { token: teammate.token })).status,
      400,
    );
    assert.equal((await call(running.baseUrl, 'GET', '/api/mentions')).status, 401);
  });
});
