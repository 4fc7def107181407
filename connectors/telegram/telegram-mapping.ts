import type { InboundAttachment, InboundEvent } from '../channel';
import type { TelegramMessage, TelegramUpdate } from './telegram-payloads';

/**
 * Telegram update → InboundEvent (pure). Only private chats are customer conversations: group and
 * channel posts, edits and service updates are acknowledged and ignored (null).
 *
 * The timeline orders by provider time; Telegram's `date` has second resolution, so the update's place in
 * the bot's sequence (`update_id`, which grows by one per update) breaks ties within a second: the
 * millisecond part is `update_id mod 1000`. Two messages of one second delivered out of order then still
 * show in the order the customer wrote them.
 */
export function mapTelegramUpdate(
  update: TelegramUpdate,
  options: { inboxId: string; mediaUrl: (fileId: string) => string },
): InboundEvent | null {
  const message = update.message;
  if (!message || message.chat.type !== 'private') return null;
  const from = message.from ?? { id: message.chat.id };
  if ('is_bot' in from && from.is_bot) return null;
  const name = [
    'first_name' in from ? from.first_name : undefined,
    'last_name' in from ? from.last_name : undefined,
  ]
    .filter(Boolean)
    .join(' ');
  const username = 'username' in from ? from.username : undefined;
  const attachments = attachmentsOf(message, options.mediaUrl);
  const text = message.text ?? message.caption ?? describeNonText(message);
  const languageCode = 'language_code' in from ? from.language_code : undefined;
  return {
    channel: 'telegram',
    inboxId: options.inboxId,
    externalId: `${message.chat.id}:${message.message_id}`,
    occurredAt: new Date(message.date * 1000 + (update.update_id % 1000)),
    from: {
      externalId: String(from.id),
      ...(username ? { handle: `@${username}` } : {}),
      ...(name ? { name } : {}),
    },
    kind: 'message',
    ...(text !== undefined ? { text } : {}),
    ...(attachments.length ? { attachments } : {}),
    ...(languageCode ? { hints: { locale: languageCode.startsWith('zh') ? 'zh-CN' : 'en' } } : {}),
  };
}

function attachmentsOf(message: TelegramMessage, mediaUrl: (fileId: string) => string): InboundAttachment[] {
  const attachments: InboundAttachment[] = [];
  // Telegram sends one photo in several sizes: keep the largest.
  const photo = message.photo?.at(-1);
  if (photo)
    attachments.push({
      contentType: 'image/jpeg',
      url: mediaUrl(photo.file_id),
      ...(photo.file_size !== undefined ? { size: photo.file_size } : {}),
    });
  const files: [TelegramMessage['document'], string][] = [
    [message.document, 'application/octet-stream'],
    [message.voice, 'audio/ogg'],
    [message.audio, 'audio/mpeg'],
    [message.video, 'video/mp4'],
  ];
  for (const [file, fallbackType] of files) {
    if (!file) continue;
    attachments.push({
      contentType: file.mime_type ?? fallbackType,
      url: mediaUrl(file.file_id),
      ...(file.file_name ? { filename: file.file_name } : {}),
      ...(file.file_size !== undefined ? { size: file.file_size } : {}),
    });
  }
  return attachments;
}

/** What the agent reads for a message without text (a voice note, a sticker, a shared location). */
function describeNonText(message: TelegramMessage): string | undefined {
  if (message.voice) return '[voice message · 语音消息]';
  if (message.sticker) return message.sticker.emoji ?? '[sticker · 贴纸]';
  if (message.location)
    return `[location · 位置] ${message.location.latitude}, ${message.location.longitude}`;
  if (message.contact)
    return `[contact · 名片] ${message.contact.first_name ?? ''} ${message.contact.phone_number}`.trim();
  return undefined;
}
