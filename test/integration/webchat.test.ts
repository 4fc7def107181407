import assert from 'node:assert/strict';
import { identityHash } from '../../connectors/webchat/visitor-token';
import { connectAgent, createTeam, type TestAgent } from '../support/agent-client';
import { startTestHub, type RunningTestHub } from '../support/test-stack';
import { clientId, connectVisitor, type TestVisitor } from '../support/webchat-visitor';
import { call, email } from './conversations-support';

const SECRET = 'test-webchat-identity-secret-0123456789';

async function waitUntil<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 15_000) {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('web chat /customer namespace', function () {
  this.timeout(60_000);
  let running: RunningTestHub;
  let agent: TestAgent;
  const visitors: TestVisitor[] = [];
  const visitor = async (auth: Record<string, unknown> = { inbox: 'demo' }, options = {}) => {
    const v = await connectVisitor(running.baseUrl, auth, options);
    visitors.push(v);
    return v;
  };

  before(async function () {
    running = await startTestHub({
      configOverrides: {
        WEBCHAT_IDENTITY_SECRET: SECRET,
        WEBCHAT_MESSAGES_PER_MINUTE: '8',
        WEBCHAT_MAX_MESSAGE_CHARS: '500',
        WEBCHAT_ALLOWED_ORIGINS: 'https://shop.example',
      },
    });
    const teamId = await createTeam(running, 'Chat');
    agent = await connectAgent(running, {
      email: 'chat-agent@example.com',
      teamIds: [teamId],
      capacity: { voice: 1, chat: 50, messaging: 10, email: 10 },
    });
  });
  afterEach(() => {
    for (const v of visitors.splice(0)) v.close();
  });
  after(async () => {
    agent?.close();
    await running?.close();
  });

  /** Visitor writes, the agent accepts the offer and replies through the REST API. */
  async function chatAndAccept(v: TestVisitor, text: string) {
    const ack = await v.send(text);
    assert.equal(ack.ok, true, JSON.stringify(ack));
    const message = ack.message as { conversationId: string; seq: number };
    const offer = await agent.next('offer:new', (p) => {
      const c = p.conversation as { id: string };
      return c.id === message.conversationId;
    });
    const accepted = await agent.emit('offer:accept', { offerId: offer.offerId });
    assert.equal(accepted.ok, true, JSON.stringify(accepted));
    return message;
  }
  const reply = (conversationId: string, text: string) =>
    call(running.baseUrl, 'POST', `/api/conversations/${conversationId}/messages`, {
      token: agent.token,
      body: { text },
    });

  it('delivers an agent reply live, with its sequence number, and keeps the history across reconnects', async () => {
    const v = await visitor();
    const session = v.session();
    assert.match(session.token, /^v1\./);
    const first = await chatAndAccept(v, '你好，我的订单还没到');
    const sent = await reply(first.conversationId, 'Hello! Let me check.');
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    const live = await v.waitFor('live reply', () => v.messages.find((m) => m.from === 'agent'));
    assert.equal(live.text, 'Hello! Let me check.');
    assert.ok(live.seq > first.seq);
    v.close();

    const again = await visitor({ inbox: 'demo', token: session.token });
    assert.equal(again.session().conversation?.id, first.conversationId);
    const history = await again.emit('history', { afterSeq: 0 });
    assert.equal(history.ok, true);
    const items = history.items as { text: string; from: string; seq: number }[];
    assert.deepEqual(
      items.map((m) => [m.from, m.text]),
      [
        ['visitor', '你好，我的订单还没到'],
        ['agent', 'Hello! Let me check.'],
      ],
    );
    const resumed = await again.emit('history', { afterSeq: first.seq });
    assert.deepEqual(
      (resumed.items as { text: string }[]).map((m) => m.text),
      ['Hello! Let me check.'],
    );
  });

  it('stores a resent message once (same client id)', async () => {
    const v = await visitor();
    const id = clientId();
    const a = await v.send('only once please', id);
    const b = await v.send('only once please', id);
    assert.equal((a.message as { id: string }).id, (b.message as { id: string }).id);
    const conversationId = (a.message as { conversationId: string }).conversationId;
    const timeline = await running.hub.conversations.timeline.listTimeline(conversationId, { limit: 50 });
    assert.equal(timeline.items.filter((m) => m.text === 'only once please').length, 1);
  });

  it('relays typing both ways and turns agent messages read when the visitor has seen them', async () => {
    const v = await visitor();
    const first = await chatAndAccept(v, 'typing test');
    const watch = await agent.emit('conversation:watch', { conversationId: first.conversationId });
    assert.equal(watch.ok, true);
    const customerTyping = new Promise<unknown>((resolve) =>
      agent.socket.once('conversation:customer-typing' as never, resolve as never),
    );
    v.socket.emit('typing', {});
    assert.deepEqual(await customerTyping, { conversationId: first.conversationId });
    await agent.emit('typing', { conversationId: first.conversationId });
    await v.waitFor('agent typing', () => v.events.find((e) => e.name === 'typing'));

    const sent = await reply(first.conversationId, 'Seen?');
    const live = await v.waitFor('reply', () => v.messages.find((m) => m.text === 'Seen?'));
    assert.equal((await v.emit('read', { seq: live.seq })).ok, true);
    await waitUntil('read status', async () => {
      const message = await running.hub.conversations.timeline.findMessage(sent.body.id as string);
      return message?.status === 'read';
    });
  });

  it('refuses unknown inboxes, other origins and oversized or malformed payloads with errors', async () => {
    await assert.rejects(visitor({ inbox: 'nope-inbox' }), (error: Error & { data?: { code: string } }) => {
      assert.equal(error.data?.code, 'UNKNOWN_INBOX');
      return true;
    });
    await assert.rejects(
      visitor({ inbox: 'demo' }, { origin: 'https://evil.example' }),
      (error: Error & { data?: { code: string } }) => error.data?.code === 'ORIGIN_REFUSED',
    );
    const allowed = await visitor({ inbox: 'demo' }, { origin: 'https://shop.example' });
    const tooLong = await allowed.send('x'.repeat(501));
    assert.deepEqual((tooLong.error as { code: string }).code, 'TOO_LARGE');
    for (const payload of [
      null,
      42,
      'text',
      { clientId: 1, text: [] },
      { clientId: clientId(), text: 'a', extra: 1 },
    ]) {
      const answer = await allowed.emit('message:send', payload);
      assert.equal(answer.ok, false);
      assert.equal((answer.error as { code: string }).code, 'INVALID_INPUT');
    }
    assert.equal(
      ((await allowed.emit('history', { afterSeq: -1 })).error as { code: string }).code,
      'INVALID_INPUT',
    );
    assert.equal(
      ((await allowed.emit('csat:submit', { score: 9 })).error as { code: string }).code,
      'INVALID_INPUT',
    );
    allowed.socket.emit('no-such-event', { a: 1 });
    await allowed.waitFor('unknown event error', () => allowed.events.find((e) => e.name === 'error:event'));
  });

  it('tells a visitor who sends too fast how long to wait', async () => {
    const v = await visitor();
    let refused: Record<string, unknown> | undefined;
    for (let i = 0; i < 12 && !refused; i++) {
      const answer = await v.send(`burst ${i}`);
      if (answer.ok === false) refused = answer;
    }
    assert.ok(refused, 'the burst was never limited');
    const error = refused.error as { code: string; retryAfterSec: number };
    assert.equal(error.code, 'RATE_LIMITED');
    assert.ok(error.retryAfterSec >= 1 && error.retryAfterSec <= 60);
  });

  it('verifies identities: a wrong hash is refused, a signed one joins the existing contact across devices', async () => {
    const existing = await running.hub.ingest.ingest(email('alice@shop.example'));
    const conversation = await running.hub.conversations.conversations.findConversation(
      existing.conversationId,
    );
    const contactId = conversation!.contactId;
    await assert.rejects(
      visitor({
        inbox: 'demo',
        identity: { identifier: 'alice@shop.example', identifierHash: 'a'.repeat(64) },
      }),
      (error: Error & { data?: { code: string } }) => error.data?.code === 'IDENTITY_INVALID',
    );
    const identity = {
      identifier: 'alice@shop.example',
      identifierHash: identityHash(SECRET, 'alice@shop.example'),
    };
    const laptop = await visitor({ inbox: 'demo', identity });
    assert.equal(laptop.session().identified, true);
    const sent = await laptop.send('hello from my laptop');
    const chat = await running.hub.conversations.conversations.findConversation(
      (sent.message as { conversationId: string }).conversationId,
    );
    assert.equal(chat!.contactId, contactId);
    // Another device, no token: the same identity finds the same history.
    const phone = await visitor({ inbox: 'demo', identity });
    const history = await phone.emit('history', { afterSeq: 0 });
    assert.ok((history.items as { text: string }[]).some((m) => m.text === 'hello from my laptop'));
  });

  it('records CSAT from the widget once the conversation is resolved', async () => {
    const v = await visitor();
    const first = await chatAndAccept(v, 'rate me');
    const early = await v.emit('csat:submit', { score: 5 });
    assert.equal((early.error as { code: string }).code, 'NOT_RESOLVED');
    const resolved = await call(
      running.baseUrl,
      'POST',
      `/api/conversations/${first.conversationId}/status`,
      {
        token: agent.token,
        body: { status: 'resolved' },
      },
    );
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
    await v.waitFor('resolution', () =>
      v.events.find(
        (e) => e.name === 'conversation' && (e.payload as { status: string }).status === 'resolved',
      ),
    );
    assert.equal((await v.emit('csat:submit', { score: 4, comment: 'quick and kind' })).ok, true);
    const stored = await running.hub.conversations.conversations.findConversation(first.conversationId);
    assert.equal(stored?.csat?.score, 4);
    assert.equal(stored?.csat?.comment, 'quick and kind');
    assert.equal(
      ((await v.emit('csat:submit', { score: 1 })).error as { code: string }).code,
      'ALREADY_RATED',
    );
  });

  it('accepts an attachment upload with the visitor token and refuses unsigned or disguised files', async () => {
    const v = await visitor();
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const upload = (token: string | null, type: string, body: Buffer) =>
      fetch(`${running.baseUrl}/webchat/upload?clientId=${clientId()}&filename=receipt.png`, {
        method: 'POST',
        headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: new Uint8Array(body),
      });
    assert.equal((await upload(null, 'image/png', png)).status, 401);
    assert.equal((await upload(v.session().token, 'image/png', Buffer.from('MZ not a png'))).status, 415);
    assert.equal((await upload(v.session().token, 'application/x-msdownload', png)).status, 415);
    const ok = await upload(v.session().token, 'image/png', png);
    assert.equal(ok.status, 201);
    const { message } = (await ok.json()) as { message: { id: string } };
    const stored = await running.hub.conversations.timeline.findMessage(message.id);
    assert.equal(stored?.attachments[0]?.filename, 'receipt.png');
    assert.ok(stored?.attachments[0]?.storageKey, 'the bytes are in the attachment store');
  });
});
