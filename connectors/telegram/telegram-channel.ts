import { SendError, type Channel, type OutboundMessage, type SendResult } from '../channel';
import { createBotApi, type BotApi } from './telegram-bot-api';
import { SentMessageSchema } from './telegram-payloads';

/** One configured Telegram bot inbox. */
export interface TelegramInboxConfig {
  inboxId: string;
  botToken: string;
  /** The `secret_token` given to setWebhook; Telegram sends it in X-Telegram-Bot-Api-Secret-Token. */
  webhookSecret: string;
  /** The bot's @username, when known (shown in the admin). */
  botName?: string;
}

export interface TelegramChannel extends Channel {
  readonly inbox: TelegramInboxConfig;
  readonly api: BotApi;
}

const TEXT_LIMIT = 4096;
const CAPTION_LIMIT = 1024;

/** Splits a long text into Telegram-sized pieces, on line or word boundaries where possible. */
export function splitText(text: string, limit = TEXT_LIMIT): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit);
    const cut = Math.max(window.lastIndexOf('\n'), window.lastIndexOf(' '));
    const at = cut > limit / 2 ? cut : limit;
    pieces.push(rest.slice(0, at));
    rest = rest.slice(at).replace(/^[\n ]/, '');
  }
  if (rest.length) pieces.push(rest);
  return pieces;
}

/**
 * The Telegram connector for one bot: text by sendMessage (split past 4096 characters), images by
 * sendPhoto and other files by sendDocument (multipart), the text riding as the first file's caption when
 * it fits. Telegram reports no delivery receipts: a message the Bot API accepted stays `sent`.
 */
export function createTelegramChannel(options: {
  inbox: TelegramInboxConfig;
  apiBase: string;
  timeoutMs?: number;
}): TelegramChannel {
  const { inbox } = options;
  const api = createBotApi({
    apiBase: options.apiBase,
    botToken: inbox.botToken,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });

  const sent = (result: unknown): string => {
    const parsed = SentMessageSchema.safeParse(result);
    if (!parsed.success)
      throw new SendError('Telegram answered without a message', {
        permanent: false,
        providerCode: 'BAD_ANSWER',
      });
    return `${parsed.data.chat.id}:${parsed.data.message_id}`;
  };

  return {
    kinds: ['telegram'],
    inboxId: inbox.inboxId,
    inbox,
    api,
    async send(message: OutboundMessage): Promise<SendResult> {
      if (message.channel !== 'telegram')
        throw new SendError(`the Telegram connector cannot send on ${message.channel}`, {
          permanent: true,
          providerCode: 'UNSUPPORTED_CHANNEL',
        });
      const chatId = message.to.externalId;
      if (!/^-?\d{1,20}$/.test(chatId))
        throw new SendError(`not a Telegram chat id: ${chatId}`, {
          permanent: true,
          providerCode: 'BAD_CHAT',
        });
      const attachments = message.attachments ?? [];
      const text = message.text.trim();
      if (!text && attachments.length === 0)
        throw new SendError('empty message', { permanent: true, providerCode: 'EMPTY_BODY' });

      let last = '';
      const captionFits = text.length > 0 && text.length <= CAPTION_LIMIT && attachments.length > 0;
      if (!captionFits)
        for (const piece of splitText(text))
          last = sent(await api.call('sendMessage', { chat_id: chatId, text: piece }));
      for (const [index, attachment] of attachments.entries()) {
        const isPhoto = /^image\/(jpeg|png|gif|webp)$/.test(attachment.contentType);
        const form = new FormData();
        form.set('chat_id', chatId);
        if (captionFits && index === 0) form.set('caption', text);
        form.set(
          isPhoto ? 'photo' : 'document',
          new Blob([new Uint8Array(attachment.data)], { type: attachment.contentType }),
          attachment.filename,
        );
        last = sent(await api.call(isPhoto ? 'sendPhoto' : 'sendDocument', form));
      }
      return { externalId: last, status: 'sent' };
    },
  };
}
