/**
 * The web chat Channel: an agent reply (already on the timeline with its sequence number) is pushed live
 * to the visitor's sockets on every hub process; a visitor who is away finds it on their next resume. A
 * visitor who has left (no socket for longer than the grace period) and gave an email address gets the
 * reply by email through the email channel, with a Message-ID recorded as the conversation's thread key
 * and the ticket tag in the subject, so their mail reply threads back into the same conversation.
 */
import {
  SendError,
  type Channel,
  type ConnectorContext,
  type OutboundMessage,
  type SendResult,
} from '../channel';
import type { WebchatStore } from './webchat-store';
import { customerRooms, outboundExternalId, toWidgetMessage } from './webchat-visitors';

/** How long a live push waits for the widgets' acks (a stalled socket must not hold the send up). */
const DELIVERY_ACK_TIMEOUT_MS = 3_000;

const VISITOR_KEY = /^(v_[0-9a-f]{32}|u_[A-Za-z0-9_-]{1,64}_.{1,200})$/s;

export function createWebchatChannel(deps: {
  inboxId: string;
  context: ConnectorContext;
  store: WebchatStore;
  offlineGraceMs: number;
}): Channel {
  const { context, store } = deps;

  async function isConnected(visitorKey: string): Promise<boolean> {
    const sockets = await context.customerSockets.in(customerRooms.visitor(visitorKey)).fetchSockets();
    return sockets.length > 0;
  }

  async function continueByEmail(message: OutboundMessage, email: string, name?: string): Promise<void> {
    const emailChannel = await context.hub.channels?.resolve({ channel: 'email' });
    if (!emailChannel)
      throw new SendError('no email channel for the offline continuation', { permanent: true });
    const entry = await context.hub.timeline?.find(message.messageId);
    const conversation = entry ? await context.hub.conversations.find(entry.conversationId) : null;
    const host = new URL(context.publicUrl).hostname;
    const messageId = `<webchat.${message.messageId}@${host}>`;
    if (conversation) await context.hub.threads?.addKey(conversation.id, messageId);
    const tag = conversation ? `[#${conversation.number}] ` : '';
    const link = `${context.publicUrl}/webchat/frame?inbox=${encodeURIComponent(context.config.WEBCHAT_PUBLIC_TOKEN)}`;
    await emailChannel.send({
      messageId: message.messageId,
      channel: 'email',
      inboxId: emailChannel.inboxId,
      to: { externalId: email, email, ...(name ? { name } : {}) },
      subject: `${tag}${context.config.COMPANY_NAME}: a reply to your chat`,
      text: `${message.text}\n\n--\nReply to this email to continue the conversation, or chat again: ${link}`,
      thread: { messageId },
      ...(message.attachments ? { attachments: message.attachments } : {}),
    });
  }

  return {
    kinds: ['webchat'],
    inboxId: deps.inboxId,
    async send(message): Promise<SendResult> {
      const visitorKey = message.to.externalId;
      if (!VISITOR_KEY.test(visitorKey))
        throw new SendError(`not a web chat visitor: ${visitorKey.slice(0, 40)}`, { permanent: true });
      let record;
      let connected: boolean;
      try {
        record = await store.get(visitorKey);
        connected = await isConnected(visitorKey);
      } catch (error) {
        throw new SendError('web chat state unavailable', { permanent: false, cause: error });
      }
      if (!record) throw new SendError('unknown web chat visitor', { permanent: true });
      const entry = await context.hub.timeline?.find(message.messageId);
      if (entry) {
        // The reply goes out as stored (with its sequence number); `sent` is applied by the outbound job.
        const live = { ...toWidgetMessage(entry), status: 'sent' as const };
        const acks: unknown[] = connected
          ? await context.customerSockets
              .to(customerRooms.visitor(visitorKey))
              .timeout(DELIVERY_ACK_TIMEOUT_MS)
              .emitWithAck('message', { message: live })
              .then((answers: unknown) => (Array.isArray(answers) ? (answers as unknown[]) : []))
              .catch((): unknown[] => [])
          : [];
        // A widget's ack is the delivery receipt (named by our id: it may beat the outbound job's `sent`).
        if (acks.length > 0)
          void context.sink
            .updateStatus({
              channel: 'webchat',
              inboxId: deps.inboxId,
              externalId: outboundExternalId(message.messageId),
              messageId: message.messageId,
              status: 'delivered',
              occurredAt: context.clock.now(),
            })
            .catch((error: unknown) =>
              context.logger.warn({ err: error }, 'web chat delivery receipt failed'),
            );
      }
      const away =
        record.lastSeenAt === null || context.clock.now().getTime() - record.lastSeenAt > deps.offlineGraceMs;
      if (!connected && away && record.profile.email)
        await continueByEmail(message, record.profile.email, record.profile.name);
      return { externalId: outboundExternalId(message.messageId), status: 'sent' };
    },
  };
}
