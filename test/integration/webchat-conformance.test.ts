/**
 * The shared connector conformance suite at the connector level: the web chat plug-in alone, built from a
 * hand-made ConnectorContext (an in-memory sink and timeline, a real redis-server, a bare Socket.IO server
 * whose `/customer` namespace the plug-in serves, its routes on a bare Express app). No hub runs.
 *
 * As in the whole-hub harness (webchat-hub-conformance.test.ts), the "signature" is the site's HMAC
 * identity on an inbox that requires one (a wrong hash or none is refused at the handshake: 403 here) and
 * the "provider" is the visitor's socket (a send counts when the visitor receives the agent message).
 * Permanent failure: a recipient that is no visitor. Transient: the offline continuation's email channel
 * failing for a visitor who has left. Network: the connector's Redis connection is gone.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import type {
  ConnectorContext,
  ConnectorConversation,
  ConnectorTimelineEntry,
  OutboundMessage,
} from '../../connectors/channel';
import {
  describeChannelConformance,
  type ConformanceHarness,
} from '../../connectors/conformance/channel-conformance';
import { webchatPlugin } from '../../connectors/webchat/webchat-plugin';
import { createMemorySink } from '../support/memory-sink';
import { RecordingChannel } from '../support/recording-channel';
import { getTestStack, testConfig, testLogger, uniqueId } from '../support/test-stack';
import {
  CONFORMANCE_EXTERNAL_PREFIX,
  connectConformanceVisitors,
  GONE_EXTERNAL_ID,
  RECEIVER_EXTERNAL_ID,
  signedIdentity,
} from '../support/webchat-conformance';
import { connectVisitor } from '../support/webchat-visitor';

const SECRET = 'connector-conformance-identity-secret-0123';

/** The connector with its context: memory sink and timeline, own redis client, bare Socket.IO + Express. */
async function startConnector() {
  const config = testConfig({
    WEBCHAT_IDENTITY_SECRET: SECRET,
    WEBCHAT_REQUIRE_IDENTITY: '1',
    WEBCHAT_OFFLINE_GRACE_SECONDS: '0',
    WEBCHAT_VISITOR_TOKEN_SECRET: 'connector-conformance-visitor-token-secret-0123',
  });
  const redis = new Redis((await getTestStack()).redisUrl, { maxRetriesPerRequest: 1 });
  const memory = createMemorySink();
  const email = new RecordingChannel({ inboxId: 'email', kinds: ['email'] });
  const outbound: ConnectorTimelineEntry[] = [];
  const conversation = (id: string): ConnectorConversation => ({
    id,
    number: 10_000 + Number(id.replace(/\D/g, '')),
    inboxId: 'webchat',
    contactId: `contact-${id}`,
    primaryChannel: 'webchat',
    status: 'open',
    teamId: null,
    assigneeId: null,
  });
  /** The timeline as the hub would keep it: inbound entries from the sink, outbound ones we add. */
  const entries = (): ConnectorTimelineEntry[] => {
    const seqs = new Map<string, number>();
    const inbound = memory.entries.map((entry): ConnectorTimelineEntry => {
      const seq = (seqs.get(entry.conversationId) ?? 0) + 1;
      seqs.set(entry.conversationId, seq);
      return {
        id: entry.id,
        conversationId: entry.conversationId,
        seq,
        direction: 'inbound',
        kind: 'message',
        channel: 'webchat',
        ...(entry.text ? { text: entry.text } : {}),
        externalId: entry.event.externalId,
        attachments: [],
        occurredAt: entry.event.occurredAt,
      };
    });
    return [...inbound, ...outbound];
  };

  const app = express();
  const server = createServer(app);
  const io = new Server(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const context: ConnectorContext = {
    config,
    publicUrl: baseUrl,
    selfUrl: baseUrl,
    sink: memory.sink,
    inboxes: {
      findById: () => Promise.resolve(null),
      findByAddress: () => Promise.resolve(null),
      listByChannel: () => Promise.resolve([]),
    },
    clock: { now: () => new Date() },
    logger: testLogger,
    redis,
    keyPrefix: `wc-conformance-${uniqueId()}`,
    customerSockets: io.of('/customer'),
    hub: {
      templates: { render: () => ({ text: '' }) },
      businessHours: { isOpen: () => Promise.resolve(true), nextOpening: () => Promise.resolve(null) },
      conversations: { find: (id) => Promise.resolve(id.startsWith('conv-') ? conversation(id) : null) },
      contacts: { find: () => Promise.resolve(null) },
      agents: { findPhone: () => Promise.resolve(null) },
      timeline: {
        listAfter: (conversationId, input) => {
          const items = entries().filter(
            (e) => e.conversationId === conversationId && e.seq > input.afterSeq,
          );
          return Promise.resolve({ items: items.slice(0, input.limit), hasMore: items.length > input.limit });
        },
        find: (messageId) => Promise.resolve(entries().find((e) => e.id === messageId) ?? null),
      },
      channels: { resolve: (input) => Promise.resolve(input.channel === 'email' ? email : null) },
      staff: {
        requireAuth: (_req, res) => res.status(401).end(),
        principal: () => ({ agentId: 'nobody', role: 'agent' }),
        findVisibleConversation: () => Promise.resolve(null),
        fail: (code, message) => {
          throw new Error(`${code}: ${message}`);
        },
      },
    },
  };
  const contribution = await webchatPlugin.create(context);
  for (const route of contribution.routes ?? []) app.use(route.path, route.router);
  const channel = contribution.channels?.[0]?.channel;
  if (!channel) throw new Error('the web chat plug-in contributed no channel');

  /** An agent reply on the timeline of a visitor's conversation, as outbound would hand it to `send`. */
  const reply = (conversationId: string, to: string, text: string): OutboundMessage => {
    const id = `out-${outbound.length + 1}`;
    outbound.push({
      id,
      conversationId,
      seq: 1_000 + outbound.length,
      direction: 'outbound',
      kind: 'message',
      channel: 'webchat',
      text,
      attachments: [],
      occurredAt: new Date(),
    });
    return { messageId: id, channel: 'webchat', inboxId: channel.inboxId, to: { externalId: to }, text };
  };

  return {
    baseUrl,
    channel,
    memory,
    email,
    reply,
    redis,
    async close() {
      await contribution.stop?.();
      await io.close();
      redis.disconnect();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const harness: ConformanceHarness = {
  name: 'webchat (connector, in-memory sink)',
  kind: 'webchat',
  expectedEntryKind: 'message',
  expectedText: '您好，我想退货',
  sendsText: true,
  runs: { networkFailure: true, notes: false },
  async setup() {
    const connector = await startConnector();
    const visitors = await connectConformanceVisitors(connector.baseUrl, SECRET);
    let nextFailure: 'permanent' | 'transient' | null = null;

    return {
      ...visitors,
      channel: connector.channel,
      stored: () =>
        Promise.resolve(
          connector.memory
            .stored()
            .filter((entry) => entry.externalId.startsWith(CONFORMANCE_EXTERNAL_PREFIX)),
        ),
      outbound() {
        const failure = nextFailure;
        nextFailure = null;
        if (failure === 'permanent')
          return connector.reply(visitors.receiverConversation, 'not-a-visitor', 'Your return is approved.');
        if (failure === 'transient') {
          connector.email.failTransiently(1);
          return connector.reply(visitors.goneConversation, GONE_EXTERNAL_ID, 'Your return is approved.');
        }
        return connector.reply(
          visitors.receiverConversation,
          RECEIVER_EXTERNAL_ID,
          'Your return is approved.',
        );
      },
      failNextSend(kind) {
        nextFailure = kind;
      },
      async breakNetwork() {
        // The connector's visitor state lives in Redis: with its connection gone, a send cannot know.
        connector.redis.disconnect();
        await new Promise((resolve) => setTimeout(resolve, 50));
      },
      async teardown() {
        visitors.close();
        await connector.close();
      },
    };
  },
};

describe('web chat connector conformance (connector level)', function () {
  this.timeout(60_000);
  describeChannelConformance(harness);

  it('pushes a reply to the visitor live and continues by email for one who left (same connector)', async () => {
    const connector = await startConnector();
    try {
      const visitor = await connectVisitor(connector.baseUrl, {
        inbox: 'demo',
        identity: signedIdentity(SECRET, 'live@shop.example'),
      });
      const sent = await visitor.send('hello');
      const conversationId = (sent.message as { conversationId: string }).conversationId;
      await connector.channel.send(
        connector.reply(conversationId, 'u_webchat_live@shop.example', 'Hi there!'),
      );
      const live = await visitor.waitFor('reply', () => visitor.messages.find((m) => m.from === 'agent'));
      assert.equal(live.text, 'Hi there!');
      assert.equal(connector.email.sent.length, 0);
      visitor.close();
      await visitor.waitFor('closed', () => !visitor.socket.connected);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await connector.channel.send(
        connector.reply(conversationId, 'u_webchat_live@shop.example', 'Still there?'),
      );
      assert.equal(connector.email.sent.length, 1);
      assert.equal(connector.email.sent[0]?.to.email, 'live@shop.example');
    } finally {
      await connector.close();
    }
  });
});
