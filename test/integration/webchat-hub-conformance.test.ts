/**
 * The shared connector conformance suite for the web chat connector, against a whole hub (real ingest with
 * its unique index, real outbound jobs and API). The "signature" of web chat is the site's HMAC identity
 * on an inbox that requires one: a wrong hash or none is refused at the handshake (403 here) and nothing is
 * stored. The "provider" is the visitor's socket: a send is counted when it receives the agent message.
 * A transient failure is the offline continuation's email channel failing for a visitor who has left.
 */
import type { ConnectorPlugin, OutboundMessage } from '../../connectors/channel';
import {
  describeChannelConformance,
  type ConformanceHarness,
} from '../../connectors/conformance/channel-conformance';
import { identityHash } from '../../connectors/webchat/visitor-token';
import { webchatPlugin } from '../../connectors/webchat/webchat-plugin';
import { call } from './conversations-support';
import { RecordingChannel } from '../support/recording-channel';
import { startTestHub } from '../support/test-stack';
import { clientId, connectVisitor, type TestVisitor } from '../support/webchat-visitor';

const SECRET = 'conformance-identity-secret-0123456789';
const IDENTIFIER = 'conformance@shop.example';

async function waitUntil(what: string, probe: () => boolean | Promise<boolean>, ms = 20_000) {
  const until = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const refusedAs403 = (promise: Promise<TestVisitor>) =>
  promise.then(
    (visitor) => {
      visitor.close();
      return { status: 200 };
    },
    (error: Error & { data?: { code?: string } }) => ({
      status: error.data?.code?.startsWith('IDENTITY_') ? 403 : 500,
    }),
  );

const signed = (identifier: string) => ({ identifier, identifierHash: identityHash(SECRET, identifier) });

const harness: ConformanceHarness = {
  name: 'webchat (whole hub)',
  kind: 'webchat',
  expectedEntryKind: 'message',
  expectedText: '您好，我想退货',
  sendsText: true,
  runs: { networkFailure: false, notes: true },
  async setup() {
    const email = new RecordingChannel({ inboxId: 'email', kinds: ['email'] });
    const emailPlugin: ConnectorPlugin = {
      name: 'test-email',
      create: () => ({ channels: [{ channel: email }] }),
    };
    const running = await startTestHub({
      connectors: [webchatPlugin, emailPlugin],
      configOverrides: {
        WEBCHAT_IDENTITY_SECRET: SECRET,
        WEBCHAT_REQUIRE_IDENTITY: '1',
        WEBCHAT_OFFLINE_GRACE_SECONDS: '0',
      },
    });
    const password = 'correct horse battery';
    await running.hub.agents.agents.createAgent(
      {
        email: 'sup@example.com',
        name: 'Sup',
        password,
        role: 'supervisor',
        teamIds: [],
        skills: [],
        languages: [],
      },
      null,
    );
    const login = await call(running.baseUrl, 'POST', '/api/auth/login', {
      body: { email: 'sup@example.com', password },
    });
    const token = login.body.token as string;
    const Message = running.hub.conversations.models.Message;

    // The visitor under test (its inbound events are what `stored` lists).
    const visitor = await connectVisitor(running.baseUrl, { inbox: 'demo', identity: signed(IDENTIFIER) });
    // A receiver with a conversation: direct sends of the suite go to them.
    const receiver = await connectVisitor(running.baseUrl, {
      inbox: 'demo',
      identity: signed('receiver@shop.example'),
    });
    const opening = await receiver.send('receiver opens a conversation');
    const conversationId = (opening.message as { conversationId: string }).conversationId;
    // A visitor who gave an email and left: replies to them continue by email (transient failure there).
    const gone = await connectVisitor(running.baseUrl, {
      inbox: 'demo',
      identity: signed('gone@shop.example'),
    });
    await gone.send('I will leave now');
    gone.close();

    const seq = await running.hub.conversations.conversations.allocateSeq(conversationId, {
      openOnly: false,
    });
    const conversation = await running.hub.conversations.conversations.findConversation(conversationId);
    // Stored, not handed to outbound: the suite itself calls `send`.
    const { message } = await running.hub.conversations.timeline.insertMessage({
      conversationId,
      contactId: conversation!.contactId,
      seq: seq!,
      direction: 'outbound',
      kind: 'message',
      channel: 'webchat',
      inboxId: 'webchat',
      authorId: null,
      text: 'Your return is approved.',
      status: 'queued',
      occurredAt: running.hub.clock.now(),
    } as never);
    const prepared: OutboundMessage = {
      messageId: String(message._id),
      channel: 'webchat',
      inboxId: 'webchat',
      to: { externalId: 'u_webchat_receiver@shop.example' },
      text: 'Your return is approved.',
    };

    let lastClientId = '';
    /** The visitor's conversation, from their send's ack (the room broadcast may arrive after it). */
    let visitorConversation: string | undefined;
    let nextFailure: 'permanent' | 'transient' | null = null;
    const agentMessages = () =>
      [...visitor.messages, ...receiver.messages].filter((m) => m.from === 'agent').length;
    const channel = await running.hub.channels.registry.resolve({ channel: 'webchat', inboxId: 'webchat' });
    if (!channel) throw new Error('no webchat channel registered');

    return {
      channel,
      async deliverInbound() {
        lastClientId = clientId();
        const ack = await visitor.send('您好，我想退货', lastClientId);
        visitorConversation = (ack.message as { conversationId?: string } | undefined)?.conversationId;
        return {
          status: ack.ok === true ? 200 : 500,
          externalId: `wc:u_webchat_${IDENTIFIER}:${lastClientId}`,
        };
      },
      async replayInbound() {
        const ack = await visitor.send('您好，我想退货', lastClientId);
        return { status: ack.ok === true ? 200 : 500 };
      },
      deliverWithBadSignature: () =>
        refusedAs403(
          connectVisitor(running.baseUrl, {
            inbox: 'demo',
            identity: { identifier: IDENTIFIER, identifierHash: identityHash('not-the-secret', IDENTIFIER) },
          }),
        ),
      deliverUnsigned: () => refusedAs403(connectVisitor(running.baseUrl, { inbox: 'demo' })),
      async stored() {
        const docs = await Message.find({ channel: 'webchat', direction: 'inbound' }).sort({ seq: 1 }).lean();
        return docs
          .filter((doc) => doc.externalId?.startsWith(`wc:u_webchat_${IDENTIFIER}:`))
          .map((doc) => ({
            channel: doc.channel,
            externalId: doc.externalId ?? '',
            kind: doc.kind,
            ...(doc.text ? { text: doc.text } : {}),
          }));
      },
      outbound() {
        const failure = nextFailure;
        nextFailure = null;
        if (failure === 'permanent') return { ...prepared, to: { externalId: 'not-a-visitor' } };
        if (failure === 'transient') {
          email.failTransiently(1);
          return { ...prepared, to: { externalId: 'u_webchat_gone@shop.example' } };
        }
        return prepared;
      },
      failNextSend(kind) {
        nextFailure = kind;
      },
      providerSendCount: agentMessages,
      async postNoteThenReply() {
        const id = visitorConversation;
        if (!id) throw new Error('no visitor conversation yet');
        const note = await call(running.baseUrl, 'POST', `/api/conversations/${id}/messages`, {
          token,
          body: { text: 'internal: check the return policy', private: true },
        });
        if (note.status !== 201) throw new Error(`note: ${note.status} ${JSON.stringify(note.body)}`);
        const before = agentMessages();
        const reply = await call(running.baseUrl, 'POST', `/api/conversations/${id}/messages`, {
          token,
          body: { text: 'We have approved your return.' },
        });
        if (reply.status !== 201) throw new Error(`reply: ${reply.status} ${JSON.stringify(reply.body)}`);
        await waitUntil('reply delivered', () => agentMessages() > before);
        await waitUntil(
          'reply settled',
          async () => (await Message.findById(reply.body.id as string).lean())?.status !== 'queued',
        );
      },
      async teardown() {
        visitor.close();
        receiver.close();
        await running.close();
      },
    };
  },
};

describeChannelConformance(harness);
