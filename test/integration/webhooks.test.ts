import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createManualClock } from '../../server/lib/clock';
import { isInternalAddress, verifyWebhookSignature } from '../../server/modules/integrations';
import { startTestHub, testConfig, type RunningTestHub } from '../support/test-stack';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  event: { id: string; type: string; occurredAt: string; data: Record<string, unknown> };
}

/** A real HTTP receiver on loopback: records every request and answers from a script (default 200). */
async function startReceiver() {
  const received: Received[] = [];
  const script: number[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body, event: JSON.parse(body) as Received['event'] });
      const status = script.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'receiver broke');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return { received, script, port, url: `http://127.0.0.1:${port}/hooks`, close: () => server.close() };
}

async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('outgoing webhooks', function () {
  this.timeout(90_000);
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let stack: RunningTestHub;
  let admin: string;

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const subscribe = async (events: string[], url = receiver.url) => {
    const created = await api('POST', '/api/webhooks', { url, events });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return { id: String(created.body.id), secret: String(created.body.secret) };
  };
  const inbound = (externalId: string, from = '+8613800138000') =>
    stack.hub.ingest.ingest({
      channel: 'sms',
      inboxId: 'twilio',
      externalId,
      occurredAt: new Date(),
      from: { externalId: from, phone: from },
      kind: 'message',
      text: `message ${externalId}`,
    });

  before(async () => {
    receiver = await startReceiver();
    const config = testConfig({
      OUTGOING_WEBHOOK_ALLOWLIST: `127.0.0.1:${receiver.port}`,
      OUTGOING_WEBHOOK_RETRY_BASE_MS: '100',
      OUTGOING_WEBHOOK_ATTEMPTS: '6',
      OUTGOING_WEBHOOK_TIMEOUT_MS: '5000',
    });
    stack = await startTestHub({ config });
    const email = 'admin@example.test';
    const password = 'correct horse battery staple';
    await stack.hub.agents.agents.createAgent({ email, password, name: 'Admin', role: 'admin' }, null);
    admin = (await stack.hub.agents.auth.login({ email, password })).token;
  });
  after(async () => {
    await stack?.close();
    receiver?.close();
  });
  afterEach(async () => {
    // Each test starts with no subscription and an empty receiver.
    const listed = await api('GET', '/api/webhooks');
    for (const item of listed.body.items as { id: string }[]) await api('DELETE', `/api/webhooks/${item.id}`);
    receiver.received.length = 0;
    receiver.script.length = 0;
  });

  it('refuses URLs into internal networks unless allowlisted (SSRF guard)', async () => {
    for (const url of [
      'http://127.0.0.1:1/x',
      'http://169.254.169.254/latest/meta-data',
      'http://10.0.0.8/hook',
      'http://[::1]:8080/hook',
      'ftp://example.com/x',
      'http://user:pass@example.com/x',
    ]) {
      const answer = await api('POST', '/api/webhooks', { url, events: ['message.created'] });
      assert.equal(answer.status, 400, url);
    }
    assert.equal(isInternalAddress('::ffff:127.0.0.1'), true);
    assert.equal(isInternalAddress('93.184.216.34'), false);
    const allowed = await api('POST', '/api/webhooks', { url: receiver.url, events: ['message.created'] });
    assert.equal(allowed.status, 201);
    assert.match(String(allowed.body.secret), /^whsec_/);
    const listed = await api('GET', '/api/webhooks');
    assert.ok(!JSON.stringify(listed.body).includes(String(allowed.body.secret)), 'the secret is shown once');
  });

  it('delivers every event type signed, verifiable with the documented recipe', async () => {
    const { secret } = await subscribe([
      'message.created',
      'message.updated',
      'conversation.created',
      'conversation.status_changed',
      'conversation.assigned',
      'contact.merged',
      'sla.warning',
      'sla.breached',
    ]);
    const stored = await inbound(`SM-all-${Date.now()}`);
    const reply = await api('POST', `/api/conversations/${stored.conversationId}/messages`, {
      text: 'Hello!',
    });
    assert.equal(reply.status, 201);
    assert.equal(
      (await api('POST', `/api/conversations/${stored.conversationId}/status`, { status: 'pending' })).status,
      200,
    );
    const events = stack.hub.events;
    await events.emit('conversation.assigned', {
      conversationId: stored.conversationId,
      assigneeId: 'a1',
      previousAssigneeId: null,
      teamId: null,
    });
    await events.emit('message.updated', {
      conversationId: stored.conversationId,
      messageId: stored.messageId,
      changes: ['transcription'],
    });
    await events.emit('contact.merged', { sourceContactId: 'c1', targetContactId: 'c2' });
    const sla = {
      conversationId: stored.conversationId,
      target: 'firstResponse',
      cycle: 1,
      dueAt: new Date().toISOString(),
      policyId: null,
    };
    await events.emit('sla.warning', sla);
    await events.emit('sla.breached', sla);
    const wanted = [
      'message.created',
      'message.updated',
      'conversation.created',
      'conversation.status_changed',
      'conversation.assigned',
      'contact.merged',
      'sla.warning',
      'sla.breached',
    ];
    await until('every event type', () =>
      wanted.every((type) => receiver.received.some((item) => item.event.type === type)) ? true : undefined,
    );
    for (const item of receiver.received) {
      const header = item.headers['omnihub-signature'] as string | undefined;
      assert.ok(
        verifyWebhookSignature({
          secret,
          header,
          body: item.body,
          nowSeconds: Math.floor(Date.now() / 1000),
        }),
        `signature of ${item.event.type}`,
      );
      assert.ok(
        !verifyWebhookSignature({
          secret: 'whsec_wrong',
          header,
          body: item.body,
          nowSeconds: Math.floor(Date.now() / 1000),
        }),
      );
      assert.equal(item.headers['omnihub-event-id'], item.event.id);
      assert.equal(item.headers['idempotency-key'], item.event.id);
    }
    const created = receiver.received.filter((item) => item.event.type === 'message.created');
    const texts = created.map((item) => item.event.data.text);
    assert.ok(texts.includes('Hello!') && texts.some((text) => String(text).startsWith('message SM-all-')));
    // A replayed request is refused by the recipe: a timestamp outside the tolerance.
    const first = receiver.received[0]!;
    assert.equal(
      verifyWebhookSignature({
        secret,
        header: first.headers['omnihub-signature'] as string,
        body: first.body,
        nowSeconds: Math.floor(Date.now() / 1000) + 3600,
      }),
      false,
    );
  });

  it('delivers contact.created for a new sender (once) and csat.received for a recorded score', async () => {
    // message.created too: messages stored with no subscription for them would be left to the sweep test.
    const { secret } = await subscribe(['contact.created', 'csat.received', 'message.created']);
    const phone = `+86139${String(Date.now()).slice(-8)}`;
    const stored = await inbound(`SM-new-contact-${Date.now()}`, phone);
    await inbound(`SM-same-contact-${Date.now()}`, phone);
    const score = await api('POST', `/api/conversations/${stored.conversationId}/csat`, {
      score: 4,
      comment: 'quick and kind',
    });
    assert.equal(score.status, 200, JSON.stringify(score.body));
    const { contactId } = (await stack.hub.conversations.conversations.findConversation(
      stored.conversationId,
    ))!;
    const [contact, csat] = await until('both events', () => {
      const contactEvent = receiver.received.find((item) => item.event.type === 'contact.created');
      const csatEvent = receiver.received.find((item) => item.event.type === 'csat.received');
      return contactEvent && csatEvent ? [contactEvent, csatEvent] : undefined;
    });
    assert.deepEqual(contact.event.data, { contactId, channel: 'sms' });
    assert.equal(contact.event.id, `contact.created:${contactId}`);
    assert.deepEqual(csat.event.data, {
      conversationId: stored.conversationId,
      contactId,
      score: 4,
      comment: 'quick and kind',
    });
    for (const item of [contact, csat])
      assert.ok(
        verifyWebhookSignature({
          secret,
          header: item.headers['omnihub-signature'] as string,
          body: item.body,
          nowSeconds: Math.floor(Date.now() / 1000),
        }),
        `signature of ${item.event.type}`,
      );
    // The second message from the same sender made no contact.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(receiver.received.filter((item) => item.event.type === 'contact.created').length, 1);
  });

  it('retries a failing receiver with backoff: 500 three times then 200 delivers once, four attempts logged', async () => {
    const { id } = await subscribe(['message.created']);
    receiver.script.push(500, 500, 500);
    const stored = await inbound(`SM-retry-${Date.now()}`);
    const key = `message.created:${stored.messageId}`;
    const log = await until('four attempts', async () => {
      const deliveries = await api('GET', `/api/webhooks/${id}/deliveries`);
      const items = (
        deliveries.body.items as {
          eventKey: string;
          outcome: string;
          attempt: number;
          responseStatus: number;
        }[]
      ).filter((item) => item.eventKey === key);
      return items.length >= 4 ? items : undefined;
    });
    assert.deepEqual(log.map((item) => [item.attempt, item.outcome, item.responseStatus]).reverse(), [
      [1, 'failed', 500],
      [2, 'failed', 500],
      [3, 'failed', 500],
      [4, 'delivered', 200],
    ]);
    const attempts = receiver.received.filter((item) => item.event.id === key);
    assert.equal(attempts.length, 4);
    // Nothing more comes for it afterwards.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(receiver.received.filter((item) => item.event.id === key).length, 4);
    const subscription = await api('GET', `/api/webhooks/${id}`);
    assert.equal(subscription.body.failingSince, null, 'a success clears the failure clock');
  });

  it('recovers an event a crash lost before the outbox (the sweep), and delivers it once', async () => {
    await subscribe(['message.created']);
    // A reply stored by a process that died before its domain event ran: written straight to the collection.
    const stored = await inbound(`SM-crash-${Date.now()}`);
    await until('the inbound event', () => (receiver.received.length >= 1 ? true : undefined));
    const { Message } = stack.hub.conversations.models;
    const orphan = await Message.create({
      conversationId: stored.conversationId,
      contactId: 'c-orphan',
      seq: 9999,
      direction: 'outbound',
      kind: 'message',
      channel: 'sms',
      authorId: null,
      text: 'stored, then the process died',
      attachments: [],
      occurredAt: new Date(),
      isAutomated: false,
    });
    const key = `message.created:${String(orphan._id)}`;
    const first = await stack.hub.integrations.sweep();
    assert.equal(first.recovered, 1);
    await until('the recovered event', () =>
      receiver.received.some((item) => item.event.id === key) ? true : undefined,
    );
    const again = await stack.hub.integrations.sweep();
    assert.equal(again.recovered, 0, 'a second sweep finds nothing to recover');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(receiver.received.filter((item) => item.event.id === key).length, 1);
  });

  it('redelivers on request with the same event id, and stops delivering to a disabled subscription', async () => {
    const { id } = await subscribe(['message.created']);
    const stored = await inbound(`SM-redeliver-${Date.now()}`);
    const key = `message.created:${stored.messageId}`;
    await until('the first delivery', () =>
      receiver.received.some((item) => item.event.id === key) ? true : undefined,
    );
    const redeliver = await api(
      'POST',
      `/api/webhooks/${id}/deliveries/${encodeURIComponent(key)}/redeliver`,
    );
    assert.equal(redeliver.status, 202);
    await until('the redelivery', () =>
      receiver.received.filter((item) => item.event.id === key).length >= 2 ? true : undefined,
    );
    assert.equal((await api('PATCH', `/api/webhooks/${id}`, { enabled: false })).status, 200);
    const before = receiver.received.length;
    await inbound(`SM-disabled-${Date.now()}`);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(receiver.received.length, before, 'a disabled subscription receives nothing');
  });

  it('lets only admins manage subscriptions', async () => {
    const email = 'agent@example.test';
    const password = 'correct horse battery staple';
    await stack.hub.agents.agents.createAgent({ email, password, name: 'Agent', role: 'agent' }, null);
    const agent = (await stack.hub.agents.auth.login({ email, password })).token;
    const answer = await fetch(`${stack.baseUrl}/api/webhooks`, {
      headers: { authorization: `Bearer ${agent}` },
    });
    assert.equal(answer.status, 403);
    await answer.body?.cancel();
  });
});

describe('outgoing webhooks: a subscription failing for a day', function () {
  this.timeout(60_000);

  it('is disabled, stops receiving, and the admins are told (audit log)', async () => {
    const receiver = await startReceiver();
    const clock = createManualClock(new Date());
    const stack = await startTestHub({
      clock,
      config: testConfig({
        OUTGOING_WEBHOOK_ALLOWLIST: `127.0.0.1:${receiver.port}`,
        OUTGOING_WEBHOOK_RETRY_BASE_MS: '200',
        OUTGOING_WEBHOOK_ATTEMPTS: '10',
      }),
    });
    try {
      const email = 'admin@example.test';
      const password = 'correct horse battery staple';
      await stack.hub.agents.agents.createAgent({ email, password, name: 'Admin', role: 'admin' }, null);
      const admin = (await stack.hub.agents.auth.login({ email, password })).token;
      const created = await fetch(`${stack.baseUrl}/api/webhooks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: receiver.url, events: ['message.created'] }),
      }).then((response) => response.json() as Promise<{ id: string }>);
      receiver.script.push(...Array<number>(20).fill(503));
      await stack.hub.ingest.ingest({
        channel: 'sms',
        inboxId: 'twilio',
        externalId: `SM-dead-${Date.now()}`,
        occurredAt: clock.now(),
        from: { externalId: '+8613800138009', phone: '+8613800138009' },
        kind: 'message',
        text: 'anyone there?',
      });
      await until('the first failed attempt', () => (receiver.received.length >= 1 ? true : undefined));
      clock.advance(25 * 3600_000);
      const disabled = await until('the subscription disabled', async () => {
        const view = (await stack.hub.integrations.webhooks.get(created.id)) as {
          enabled: boolean;
          disabledReason: string | null;
        };
        return view.enabled ? undefined : view;
      });
      assert.match(String(disabled.disabledReason), /failed for more than a day/);
      const audit = await stack.hub.agents.audit.list({ action: 'webhook.disabled', limit: 10 });
      assert.equal(audit.items.length, 1);
      const count = receiver.received.length;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(receiver.received.length, count, 'no delivery after it was disabled');
    } finally {
      await stack.close();
      receiver.close();
    }
  });
});
