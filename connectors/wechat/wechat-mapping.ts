import type { InboundAttachment, InboundEvent } from '../channel';
import type { WechatMessage } from './wechat-xml';

/** The contact attribute holding the QR scene of the customer's latest subscribe or scan. */
export const WECHAT_SCENE_ATTRIBUTE = 'wechatScene';

/**
 * A WeChat message or event → InboundEvent (pure); null for what is not a customer interaction
 * (periodic LOCATION reports, unsubscribes, template-send receipts).
 *
 * Dedupe keys: `MsgId` for messages; for events WeChat documents FromUserName + CreateTime. The event
 * type is added to that key: a retry repeats all three, while a subscribe and the menu click that follows
 * within the same second stay two entries.
 */
export function mapWechatMessage(
  message: WechatMessage,
  options: { inboxId: string; mediaUrl: (mediaId: string) => string },
): InboundEvent | null {
  const occurredAt = new Date(Number(message.CreateTime) * 1000);
  const base = {
    channel: 'wechat' as const,
    inboxId: options.inboxId,
    occurredAt,
    from: { externalId: message.FromUserName },
    kind: 'message' as const,
  };
  if (message.MsgType === 'event') {
    const text = describeEvent(message);
    if (!text) return null;
    const scene = sceneOf(message);
    return {
      ...base,
      externalId: `${message.FromUserName}:${message.CreateTime}:${message.Event ?? ''}`,
      text,
      // The QR code a customer subscribed or scanned through (a campaign, a store): a contact attribute.
      ...(scene ? { contactAttributes: { [WECHAT_SCENE_ATTRIBUTE]: scene } } : {}),
    };
  }
  const externalId = message.MsgId ?? `${message.FromUserName}:${message.CreateTime}:${message.MsgType}`;
  const attachments: InboundAttachment[] = [];
  let text: string | undefined;
  switch (message.MsgType) {
    case 'text':
      text = message.Content ?? '';
      break;
    case 'image':
      if (message.MediaId)
        attachments.push({ contentType: 'image/jpeg', url: options.mediaUrl(message.MediaId) });
      text = '[图片 · image]';
      break;
    case 'voice':
      if (message.MediaId)
        attachments.push({ contentType: voiceType(message.Format), url: options.mediaUrl(message.MediaId) });
      // WeChat's own speech recognition, when the account has it on, is the text the agent reads.
      text = message.Recognition ? message.Recognition : '[语音 · voice message]';
      break;
    case 'video':
    case 'shortvideo':
      if (message.MediaId)
        attachments.push({ contentType: 'video/mp4', url: options.mediaUrl(message.MediaId) });
      text = '[视频 · video]';
      break;
    case 'location':
      text =
        `[位置 · location] ${message.Label ?? ''} (${message.Location_X ?? '?'}, ${message.Location_Y ?? '?'})`.replace(
          '  ',
          ' ',
        );
      break;
    case 'link':
      text = `[链接 · link] ${message.Title ?? ''} ${message.Url ?? ''}`.trim();
      break;
    default:
      text = `[${message.MsgType} 消息 · unsupported message]`;
  }
  return { ...base, externalId, text, ...(attachments.length ? { attachments } : {}) };
}

function voiceType(format: string | undefined): string {
  const lower = format?.toLowerCase();
  if (lower === 'amr') return 'audio/amr';
  if (lower === 'speex') return 'audio/speex';
  if (lower === 'mp3') return 'audio/mpeg';
  return 'audio/amr';
}

/** The scene a subscribe or scan came from (`qrscene_123` on subscribe, `123` on scan). */
export function sceneOf(message: WechatMessage): string | null {
  const key = message.EventKey?.trim();
  if (!key) return null;
  if (message.Event === 'subscribe') return key.startsWith('qrscene_') ? key.slice('qrscene_'.length) : null;
  return message.Event === 'SCAN' ? key : null;
}

function describeEvent(message: WechatMessage): string | null {
  const scene = sceneOf(message);
  switch (message.Event) {
    case 'subscribe':
      return scene ? `[关注公众号 · subscribed] 场景 scene: ${scene}` : '[关注公众号 · subscribed]';
    case 'SCAN':
      return `[扫码 · scanned QR code] 场景 scene: ${scene ?? ''}`.trim();
    case 'CLICK':
      return `[菜单 · menu] ${message.EventKey ?? ''}`.trim();
    case 'VIEW':
      return `[菜单链接 · menu link] ${message.EventKey ?? ''}`.trim();
    default:
      return null;
  }
}
