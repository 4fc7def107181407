import {
  SendError,
  type Channel,
  type ChannelKind,
  type OutboundMessage,
  type ReplyTemplate,
  type SendResult,
} from '../channel';
import type { SendHints } from '../social/send-hints';
import { callGraph } from './meta-graph';

/** One configured Meta app inbox (Messenger Page, Instagram account and/or WhatsApp number). */
export interface MetaInboxConfig {
  inboxId: string;
  appSecret: string;
  verifyToken: string;
  /** Page (and Instagram) access token; also used for WhatsApp when no `whatsappToken` is given. */
  accessToken: string;
  whatsappToken?: string;
  whatsappPhoneNumberId?: string;
  /** The Page or Instagram account id customers write to (admin inboxes). */
  address?: string;
  kinds: readonly ChannelKind[];
  /** Approved WhatsApp templates (sent outside the 24 h window). */
  whatsappTemplates?: readonly ReplyTemplate[];
}

/** A string field of a Graph answer ('' when absent or not a string). */
const field = (answer: Record<string, unknown>, name: string): string => {
  const value = answer[name];
  return typeof value === 'string' ? value : '';
};

export interface MetaChannel extends Channel {
  readonly inbox: MetaInboxConfig;
}

/**
 * The Meta connector for one inbox: Messenger and Instagram through `POST /me/messages` (a reply past the
 * 24 h window goes with the HUMAN_AGENT tag, as decided by the reply-window check), WhatsApp Cloud through
 * `POST /{phone-number-id}/messages` (text, or an approved template with its variables outside the 24 h
 * window). Images and files are uploaded with the message (Messenger) or to `/media` first (WhatsApp).
 */
export function createMetaChannel(options: {
  inbox: MetaInboxConfig;
  graphBase: string;
  hints: SendHints;
  timeoutMs?: number;
}): MetaChannel {
  const { inbox, graphBase } = options;
  const graph = (path: string, body: Record<string, unknown> | FormData, token = inbox.accessToken) =>
    callGraph({
      base: graphBase,
      path,
      token,
      body,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    });

  async function sendMessengerLike(message: OutboundMessage): Promise<SendResult> {
    const hint = await options.hints.find({
      channel: message.channel,
      inboxId: inbox.inboxId,
      text: message.text,
    });
    const routing = hint?.tag
      ? { messaging_type: 'MESSAGE_TAG', tag: hint.tag }
      : { messaging_type: 'RESPONSE' };
    const recipient = { id: message.to.externalId };
    let last: string | undefined;
    for (const attachment of message.attachments ?? []) {
      const form = new FormData();
      form.set('recipient', JSON.stringify(recipient));
      form.set('messaging_type', routing.messaging_type);
      if (routing.tag) form.set('tag', routing.tag);
      const type = attachment.contentType.startsWith('image/') ? 'image' : 'file';
      form.set('message', JSON.stringify({ attachment: { type, payload: { is_reusable: false } } }));
      form.set(
        'filedata',
        new Blob([new Uint8Array(attachment.data)], { type: attachment.contentType }),
        attachment.filename,
      );
      last = field(await graph('/me/messages', form), 'message_id');
    }
    if (message.text.trim())
      last = field(
        await graph('/me/messages', { recipient, ...routing, message: { text: message.text } }),
        'message_id',
      );
    if (!last)
      throw new SendError('Meta accepted the message without an id', {
        permanent: false,
        providerCode: 'BAD_ANSWER',
      });
    return { externalId: last, status: 'sent' };
  }

  async function sendWhatsApp(message: OutboundMessage): Promise<SendResult> {
    const phoneNumberId = inbox.whatsappPhoneNumberId;
    if (!phoneNumberId)
      throw new SendError(`inbox ${inbox.inboxId} has no WhatsApp phone number id`, {
        permanent: true,
        providerCode: 'NO_SENDER',
      });
    const token = inbox.whatsappToken ?? inbox.accessToken;
    const to = (message.to.phone ?? message.to.externalId).replace(/^\+/, '');
    if (!/^\d{5,20}$/.test(to))
      throw new SendError(`not a WhatsApp id: ${to}`, { permanent: true, providerCode: 'BAD_RECIPIENT' });
    const base = { messaging_product: 'whatsapp', recipient_type: 'individual', to };
    const hint = await options.hints.find({
      channel: 'whatsapp',
      inboxId: inbox.inboxId,
      text: message.text,
    });
    const idOf = (answer: Record<string, unknown>) => {
      const id = (answer.messages as { id?: unknown }[] | undefined)?.[0]?.id;
      if (typeof id !== 'string')
        throw new SendError('WhatsApp answered without a message id', {
          permanent: false,
          providerCode: 'BAD_ANSWER',
        });
      return id;
    };
    if (hint?.template) {
      const { name, language, variables } = hint.template;
      const template = {
        name,
        language: { code: language },
        ...(variables.length
          ? { components: [{ type: 'body', parameters: variables.map((text) => ({ type: 'text', text })) }] }
          : {}),
      };
      return {
        externalId: idOf(
          await graph(`/${phoneNumberId}/messages`, { ...base, type: 'template', template }, token),
        ),
        status: 'sent',
      };
    }
    let last: string | undefined;
    const attachments = message.attachments ?? [];
    for (const [index, attachment] of attachments.entries()) {
      const upload = new FormData();
      upload.set('messaging_product', 'whatsapp');
      upload.set(
        'file',
        new Blob([new Uint8Array(attachment.data)], { type: attachment.contentType }),
        attachment.filename,
      );
      const mediaId = field(await graph(`/${phoneNumberId}/media`, upload, token), 'id');
      const type = attachment.contentType.startsWith('image/') ? 'image' : 'document';
      const caption = index === 0 && message.text.trim() ? { caption: message.text } : {};
      last = idOf(
        await graph(
          `/${phoneNumberId}/messages`,
          {
            ...base,
            type,
            [type]: {
              id: mediaId,
              ...caption,
              ...(type === 'document' ? { filename: attachment.filename } : {}),
            },
          },
          token,
        ),
      );
    }
    if (!attachments.length) {
      if (!message.text.trim())
        throw new SendError('empty message', { permanent: true, providerCode: 'EMPTY_BODY' });
      last = idOf(
        await graph(
          `/${phoneNumberId}/messages`,
          { ...base, type: 'text', text: { body: message.text, preview_url: false } },
          token,
        ),
      );
    }
    return { externalId: last!, status: 'sent' };
  }

  return {
    kinds: inbox.kinds,
    inboxId: inbox.inboxId,
    inbox,
    replyTemplates: (kind) => (kind === 'whatsapp' ? (inbox.whatsappTemplates ?? []) : []),
    send(message) {
      if (!inbox.kinds.includes(message.channel))
        return Promise.reject(
          new SendError(`the Meta inbox ${inbox.inboxId} cannot send on ${message.channel}`, {
            permanent: true,
            providerCode: 'UNSUPPORTED_CHANNEL',
          }),
        );
      return message.channel === 'whatsapp' ? sendWhatsApp(message) : sendMessengerLike(message);
    },
  };
}
