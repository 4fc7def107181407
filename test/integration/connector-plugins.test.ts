import assert from 'node:assert/strict';
import express from 'express';
import type { ConnectorContext, ConnectorPlugin, InboundSink, InboxSettings } from '../../connectors/channel';
import { RecordingChannel } from '../support/recording-channel';
import { startTestHub, type RunningTestHub } from '../support/test-stack';

/**
 * The inbound half of the connector contract, through a whole hub: a plug-in that is nothing but an entry
 * in the hub's plug-in list gets its webhook mounted, its channel used for replies, its factory used for
 * admin-configured inboxes, its long-running part started with the sink and stopped with the hub.
 */
function createTestPlugin() {
  const channel = new RecordingChannel({ inboxId: 'test-chat', kinds: ['webchat'] });
  const built: InboxSettings[] = [];
  const lifecycle: string[] = [];
  let context: ConnectorContext | undefined;
  let startedWith: { sink: InboundSink; roles: { servesTraffic: boolean; runsWorkers: boolean } } | undefined;
  const plugin: ConnectorPlugin = {
    name: 'test-chat',
    create(ctx) {
      context = ctx;
      const router = express.Router();
      router.post('/', express.json(), async (req, res) => {
        const body = req.body as { id: string; from: string; text: string };
        // Acknowledged only once the sink resolved: the event is durable.
        const result = await ctx.sink.ingest({
          channel: 'webchat',
          inboxId: 'test-chat',
          externalId: body.id,
          occurredAt: ctx.clock.now(),
          from: { externalId: body.from, name: 'Visitor' },
          kind: 'message',
          text: body.text,
        });
        res.json(result);
      });
      return {
        routes: [{ path: '/webhooks/test-chat', router, parsesOwnBody: true }],
        channels: [{ channel }],
        factories: [
          {
            kind: 'telegram',
            create(inbox) {
              built.push(inbox);
              return new RecordingChannel({ inboxId: inbox.id, kinds: ['telegram'] });
            },
          },
        ],
        start(sink, roles) {
          startedWith = { sink, roles };
          lifecycle.push('start');
          return Promise.resolve();
        },
        stop() {
          lifecycle.push('stop');
          return Promise.resolve();
        },
      };
    },
  };
  return {
    plugin,
    channel,
    built,
    lifecycle,
    context: () => context,
    startedWith: () => startedWith,
  };
}

describe('connector plug-ins (the inbound half of the channel contract)', function () {
  this.timeout(60_000);
  let stack: RunningTestHub;
  let token: string;
  let test: ReturnType<typeof createTestPlugin>;

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };

  before(async () => {
    test = createTestPlugin();
    stack = await startTestHub({ connectors: [test.plugin] });
    const email = 'admin@example.test';
    const password = 'correct horse battery staple';
    await stack.hub.agents.agents.createAgent({ email, password, name: 'Admin', role: 'admin' }, null);
    token = (await stack.hub.agents.auth.login({ email, password })).token;
  });
  after(async () => {
    await stack?.close();
  });

  it('builds the plug-in with the hub context and starts its long-running part with the ingest sink', () => {
    const context = test.context();
    assert.ok(context, 'create() was called');
    assert.equal(context.publicUrl, stack.hub.config.PUBLIC_URL);
    assert.equal(test.startedWith()?.sink, stack.hub.ingest);
    assert.deepEqual(test.startedWith()?.roles, { servesTraffic: true, runsWorkers: true });
    assert.deepEqual(test.lifecycle, ['start']);
  });

  it('mounts the plug-in webhook: an event becomes one timeline entry, a replay creates nothing', async () => {
    const post = (id: string) =>
      fetch(`${stack.baseUrl}/webhooks/test-chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id, from: 'visitor-1', text: 'hello from the plug-in' }),
      }).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as Record<string, unknown>,
      }));
    const first = await post('evt-1');
    assert.equal(first.status, 200);
    assert.equal(first.body.duplicate, false);
    const replay = await post('evt-1');
    assert.equal(replay.body.duplicate, true);
    assert.equal(replay.body.messageId, first.body.messageId);
    const timeline = await api('GET', `/api/conversations/${String(first.body.conversationId)}/timeline`);
    const items = timeline.body.items as { text?: string; channel: string }[];
    assert.deepEqual(
      items.filter((item) => item.channel === 'webchat').map((item) => item.text),
      ['hello from the plug-in'],
    );
  });

  it('sends replies through the channel the plug-in contributed', async () => {
    const inbound = await fetch(`${stack.baseUrl}/webhooks/test-chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'evt-2', from: 'visitor-2', text: 'can you hear me?' }),
    }).then((response) => response.json() as Promise<{ conversationId: string }>);
    const sentBefore = test.channel.calls;
    const reply = await api('POST', `/api/conversations/${inbound.conversationId}/messages`, {
      text: 'Loud and clear.',
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    await test.channel.waitForCalls(sentBefore + 1);
    assert.equal(test.channel.sent.at(-1)?.text, 'Loud and clear.');
  });

  it('turns admin-configured inboxes of its kinds into channels with its factory', async () => {
    const created = await api('POST', '/api/inboxes', {
      name: 'Bot',
      channel: 'telegram',
      address: '@plugin_bot',
      credentials: { botToken: '123:abc' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const channel = await stack.hub.channels.registry.resolve({
      inboxId: String(created.body.id),
      channel: 'telegram',
    });
    assert.ok(channel, 'the registry resolved the inbox');
    assert.equal(test.built.at(-1)?.credentials.botToken, '123:abc');
    const found = await test.context()?.inboxes.findByAddress('telegram', '@plugin_bot');
    assert.equal(found?.id, created.body.id);
    const listed = await test.context()?.inboxes.listByChannel('telegram');
    assert.deepEqual(
      listed?.map((inbox) => inbox.id),
      [created.body.id],
    );
  });

  it('stops the plug-in with the hub, and refuses two plug-ins with one name', async () => {
    const other = createTestPlugin();
    await assert.rejects(
      startTestHub({ connectors: [other.plugin, other.plugin] }),
      /two connector plug-ins are named test-chat/,
    );
    const own = createTestPlugin();
    const hub = await startTestHub({ connectors: [own.plugin] });
    await hub.close();
    assert.deepEqual(own.lifecycle, ['start', 'stop']);
  });
});
