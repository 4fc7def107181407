/**
 * The visitor side that both web chat conformance harnesses share (the connector alone in
 * test/integration/webchat-conformance.test.ts, the whole hub in webchat-hub-conformance.test.ts): the
 * inbox requires the site's HMAC identity, so the "signature" is that identity (a wrong hash or none is
 * refused at the handshake: 403 here) and the "provider" is the visitors' sockets (a send counts when a
 * visitor receives the agent message).
 *
 * Three visitors are connected: the one under test (its inbound events are what `stored` lists), a
 * receiver with a conversation (the suite's direct sends go to them) and one who gave an email and left
 * (replies to them continue by email: the transient failure).
 */
import type { ConformanceSubject, WebhookAnswer } from '../../connectors/conformance/channel-conformance';
import { identityHash } from '../../connectors/webchat/visitor-token';
import { clientId, connectVisitor, type TestVisitor } from './webchat-visitor';

export const CONFORMANCE_IDENTIFIER = 'conformance@shop.example';
/** The external id prefix of the visitor under test's inbound events. */
export const CONFORMANCE_EXTERNAL_PREFIX = `wc:u_webchat_${CONFORMANCE_IDENTIFIER}:`;
export const RECEIVER_EXTERNAL_ID = 'u_webchat_receiver@shop.example';
export const GONE_EXTERNAL_ID = 'u_webchat_gone@shop.example';

export const signedIdentity = (secret: string, identifier: string) => ({
  identifier,
  identifierHash: identityHash(secret, identifier),
});

const refusedAs403 = (promise: Promise<TestVisitor>): Promise<WebhookAnswer> =>
  promise.then(
    (visitor) => {
      visitor.close();
      return { status: 200 };
    },
    (error: Error & { data?: { code?: string } }) => ({
      status: error.data?.code?.startsWith('IDENTITY_') ? 403 : 500,
    }),
  );

export interface ConformanceVisitors extends Pick<
  ConformanceSubject,
  'deliverInbound' | 'replayInbound' | 'deliverWithBadSignature' | 'deliverUnsigned' | 'providerSendCount'
> {
  visitor: TestVisitor;
  receiver: TestVisitor;
  receiverConversation: string;
  goneConversation: string;
  /** The conversation of the visitor under test, from their last send's ack. */
  visitorConversation(): string | undefined;
  close(): void;
}

export async function connectConformanceVisitors(
  baseUrl: string,
  secret: string,
): Promise<ConformanceVisitors> {
  const signed = (identifier: string) => signedIdentity(secret, identifier);
  const conversationOf = (ack: Record<string, unknown>) =>
    (ack.message as { conversationId?: string } | undefined)?.conversationId;

  const visitor = await connectVisitor(baseUrl, { inbox: 'demo', identity: signed(CONFORMANCE_IDENTIFIER) });
  const receiver = await connectVisitor(baseUrl, {
    inbox: 'demo',
    identity: signed('receiver@shop.example'),
  });
  const receiverConversation = conversationOf(await receiver.send('receiver opens a conversation'));
  const gone = await connectVisitor(baseUrl, { inbox: 'demo', identity: signed('gone@shop.example') });
  const goneConversation = conversationOf(await gone.send('I will leave now'));
  if (!receiverConversation || !goneConversation) throw new Error('a visitor send was not acknowledged');
  gone.close();
  await gone.waitFor('gone disconnected', () => !gone.socket.connected);

  let lastClientId = '';
  /** From the send's ack (the room broadcast may arrive after it). */
  let visitorConversation: string | undefined;
  return {
    visitor,
    receiver,
    receiverConversation,
    goneConversation,
    visitorConversation: () => visitorConversation,
    async deliverInbound() {
      lastClientId = clientId();
      const ack = await visitor.send('您好，我想退货', lastClientId);
      visitorConversation = conversationOf(ack);
      return {
        status: ack.ok === true ? 200 : 500,
        externalId: `${CONFORMANCE_EXTERNAL_PREFIX}${lastClientId}`,
      };
    },
    async replayInbound() {
      const ack = await visitor.send('您好，我想退货', lastClientId);
      return { status: ack.ok === true ? 200 : 500 };
    },
    deliverWithBadSignature: () =>
      refusedAs403(
        connectVisitor(baseUrl, {
          inbox: 'demo',
          identity: {
            identifier: CONFORMANCE_IDENTIFIER,
            identifierHash: identityHash('not-the-secret', CONFORMANCE_IDENTIFIER),
          },
        }),
      ),
    deliverUnsigned: () => refusedAs403(connectVisitor(baseUrl, { inbox: 'demo' })),
    providerSendCount: () =>
      [...visitor.messages, ...receiver.messages].filter((m) => m.from === 'agent').length,
    close() {
      visitor.close();
      receiver.close();
    },
  };
}
