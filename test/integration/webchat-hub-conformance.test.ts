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
import { webchatPlugin } from '../../connectors/webchat/webchat-plugin';
import { call } from './conversations-support';
import { RecordingChannel } from '../support/recording-channel';
import { sharedHub, sinceNow } from '../support/shared-conformance-hub';
import { startTestHub } from '../support/test-stack';
import {
  CONFORMANCE_EXTERNAL_PREFIX,
  connectConformanceVisitors,
  GONE_EXTERNAL_ID,
  RECEIVER_EXTERNAL_ID,
} from '../support/webchat-conformance';

const SECRET = 'conformance-identity-secret-0123456789';

async function waitUntil(what: string, probe: () => boolean | Promise<boolean>, ms = 20_000) {
  const until = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One hub for every test (see shared-conformance-hub); each setup connects its own visitors. */
const hubs = sharedHub(async () => {
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

  return { running, email, token, close: () => running.close() };
});

const harness: ConformanceHarness = {
  name: 'webchat (whole hub)',
  kind: 'webchat',
  expectedEntryKind: 'message',
  expectedText: '您好，我想退货',
  sendsText: true,
  runs: { networkFailure: false, notes: true },
  async setup() {
    const { running, email, token } = await hubs.get();
    const Message = running.hub.conversations.models.Message;

    const visitors = await connectConformanceVisitors(running.baseUrl, SECRET);
    const conversationId = visitors.receiverConversation;

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
      to: { externalId: RECEIVER_EXTERNAL_ID },
      text: 'Your return is approved.',
    };

    let nextFailure: 'permanent' | 'transient' | null = null;
    const channel = await running.hub.channels.registry.resolve({ channel: 'webchat', inboxId: 'webchat' });
    if (!channel) throw new Error('no webchat channel registered');

    return sinceNow({
      ...visitors,
      channel,
      async stored() {
        const docs = await Message.find({ channel: 'webchat', direction: 'inbound' }).sort({ seq: 1 }).lean();
        return docs
          .filter((doc) => doc.externalId?.startsWith(CONFORMANCE_EXTERNAL_PREFIX))
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
          return { ...prepared, to: { externalId: GONE_EXTERNAL_ID } };
        }
        return prepared;
      },
      failNextSend(kind) {
        nextFailure = kind;
      },
      async postNoteThenReply() {
        const id = visitors.visitorConversation();
        if (!id) throw new Error('no visitor conversation yet');
        const note = await call(running.baseUrl, 'POST', `/api/conversations/${id}/messages`, {
          token,
          body: { text: 'internal: check the return policy', private: true },
        });
        if (note.status !== 201) throw new Error(`note: ${note.status} ${JSON.stringify(note.body)}`);
        const before = visitors.providerSendCount();
        const reply = await call(running.baseUrl, 'POST', `/api/conversations/${id}/messages`, {
          token,
          body: { text: 'We have approved your return.' },
        });
        if (reply.status !== 201) throw new Error(`reply: ${reply.status} ${JSON.stringify(reply.body)}`);
        await waitUntil('reply delivered', () => visitors.providerSendCount() > before);
        await waitUntil(
          'reply settled',
          async () => (await Message.findById(reply.body.id as string).lean())?.status !== 'queued',
        );
      },
      teardown() {
        visitors.close();
        return Promise.resolve();
      },
    });
  },
};

describe('web chat conformance against the whole hub', function () {
  after(() => hubs.close());
  describeChannelConformance(harness);
});
