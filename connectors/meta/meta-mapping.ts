import type { ChannelKind, DeliveryStatus, InboundAttachment, InboundEvent, StatusEvent } from '../channel';
import {
  MessagingEventSchema,
  WhatsAppValueSchema,
  type MessagingEvent,
  type MetaNotification,
  type WhatsAppMessage,
  type WhatsAppValue,
} from './meta-payloads';

/**
 * Meta webhook notification → the events it carries (pure), each with our side's id (Page id, Instagram
 * account id, WhatsApp phone number id) so the webhook finds the inbox, sorted by event time: Meta does
 * not guarantee order within or across deliveries, and the timeline orders by provider time.
 *
 * Messenger and Instagram: `message` (echoes of our own sends and deleted messages skipped) and
 * `postback` become inbound messages keyed by `mid`; `delivery.mids` and Instagram's `read.mid` become
 * status events. Messenger's `read` carries only a watermark (every message before it), which has no
 * message id to key on: skipped. WhatsApp: `messages` keyed by `wamid`, `statuses` as status events.
 * Other fields (Instagram mentions, comments) are acknowledged and ignored.
 */
export type MappedMetaEvent =
  | { type: 'inbound'; ourId: string; event: Omit<InboundEvent, 'inboxId'> }
  | { type: 'status'; ourId: string; event: Omit<StatusEvent, 'inboxId'> };

export interface MetaMappingOptions {
  /** The hub URL a WhatsApp media id is fetched from (the media proxy). */
  whatsappMediaUrl: (phoneNumberId: string, mediaId: string) => string;
}

export function mapMetaNotification(
  notification: MetaNotification,
  options: MetaMappingOptions,
): MappedMetaEvent[] {
  const mapped: MappedMetaEvent[] = [];
  for (const entry of notification.entry) {
    if (notification.object === 'whatsapp_business_account') {
      for (const change of entry.changes ?? []) {
        if (change.field !== 'messages') continue;
        const value = WhatsAppValueSchema.safeParse(change.value);
        if (value.success) mapped.push(...mapWhatsAppValue(value.data, options));
      }
      continue;
    }
    const channel: ChannelKind = notification.object === 'page' ? 'messenger' : 'instagram';
    for (const raw of entry.messaging ?? []) {
      const item = mapMessagingEvent(channel, raw, entry.id);
      if (item) mapped.push(...item);
    }
  }
  return mapped.sort((a, b) => a.event.occurredAt.getTime() - b.event.occurredAt.getTime());
}

function mapMessagingEvent(
  channel: ChannelKind,
  event: MessagingEvent,
  entryId: string,
): MappedMetaEvent[] | null {
  const parsed = MessagingEventSchema.safeParse(event);
  if (!parsed.success) return null;
  const { sender, recipient, timestamp, message, postback, delivery, read } = parsed.data;
  const at = new Date(timestamp ?? Date.now());
  if (delivery?.mids?.length)
    return delivery.mids.map((mid) => ({
      type: 'status',
      ourId: recipient?.id ?? entryId,
      event: { channel, externalId: mid, status: 'delivered', occurredAt: new Date(delivery.watermark) },
    }));
  if (read?.mid)
    return [
      {
        type: 'status',
        ourId: recipient?.id ?? entryId,
        event: { channel, externalId: read.mid, status: 'read', occurredAt: at },
      },
    ];
  if (!sender || !recipient) return null;
  if (message && !message.is_echo && !message.is_deleted) {
    const attachments: InboundAttachment[] = [];
    const links: string[] = [];
    for (const attachment of message.attachments ?? []) {
      const url = attachment.payload?.url;
      const contentType = attachmentType(attachment.type);
      if (url && contentType) attachments.push({ contentType, url });
      else if (url) links.push(url);
    }
    const text =
      message.text ??
      (links.length ? `[${message.attachments?.[0]?.type ?? 'link'}] ${links.join(' ')}` : undefined) ??
      (message.is_unsupported ? '[unsupported message · 不支持的消息]' : undefined);
    return [
      {
        type: 'inbound',
        ourId: recipient.id,
        event: {
          channel,
          externalId: message.mid,
          occurredAt: at,
          from: { externalId: sender.id },
          kind: 'message',
          ...(text !== undefined ? { text } : {}),
          ...(attachments.length ? { attachments } : {}),
        },
      },
    ];
  }
  if (postback?.mid)
    return [
      {
        type: 'inbound',
        ourId: recipient.id,
        event: {
          channel,
          externalId: postback.mid,
          occurredAt: at,
          from: { externalId: sender.id },
          kind: 'message',
          text: postback.title ?? postback.payload ?? '[postback]',
        },
      },
    ];
  return null;
}

/** Messenger/Instagram attachment types that are files to download (others are links or shares). */
function attachmentType(type: string): string | null {
  switch (type) {
    case 'image':
      return 'image/jpeg';
    case 'video':
    case 'ig_reel':
      return 'video/mp4';
    case 'audio':
      return 'audio/mpeg';
    case 'file':
      return 'application/octet-stream';
    default:
      return null;
  }
}

const WHATSAPP_STATUSES: Record<string, DeliveryStatus> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed',
};

function mapWhatsAppValue(value: WhatsAppValue, options: MetaMappingOptions): MappedMetaEvent[] {
  const phoneNumberId = value.metadata.phone_number_id;
  const names = new Map((value.contacts ?? []).map((contact) => [contact.wa_id, contact.profile?.name]));
  const mapped: MappedMetaEvent[] = [];
  for (const message of value.messages ?? []) {
    const name = names.get(message.from);
    const { text, attachments } = whatsappContent(message, (mediaId) =>
      options.whatsappMediaUrl(phoneNumberId, mediaId),
    );
    mapped.push({
      type: 'inbound',
      ourId: phoneNumberId,
      event: {
        channel: 'whatsapp',
        externalId: message.id,
        occurredAt: new Date(message.timestamp * 1000),
        // The wa_id is the customer's number without '+': as E.164 it merges with their other channels.
        from: {
          externalId: `+${message.from}`,
          phone: `+${message.from}`,
          handle: message.from,
          ...(name ? { name } : {}),
        },
        kind: 'message',
        ...(text !== undefined ? { text } : {}),
        ...(attachments.length ? { attachments } : {}),
      },
    });
  }
  for (const status of value.statuses ?? []) {
    const mappedStatus = WHATSAPP_STATUSES[status.status];
    if (!mappedStatus) continue;
    const error = status.errors?.[0];
    mapped.push({
      type: 'status',
      ourId: phoneNumberId,
      event: {
        channel: 'whatsapp',
        externalId: status.id,
        status: mappedStatus,
        occurredAt: new Date(status.timestamp * 1000),
        ...(error
          ? {
              error: {
                code: String(error.code ?? 'failed'),
                message: error.message ?? error.title ?? 'failed',
              },
            }
          : {}),
      },
    });
  }
  return mapped;
}

const MEDIA_FALLBACK_TYPES: Record<string, string> = {
  image: 'image/jpeg',
  video: 'video/mp4',
  audio: 'audio/ogg',
  voice: 'audio/ogg',
  document: 'application/octet-stream',
  sticker: 'image/webp',
};

function whatsappContent(
  message: WhatsAppMessage,
  mediaUrl: (mediaId: string) => string,
): { text?: string; attachments: InboundAttachment[] } {
  const attachments: InboundAttachment[] = [];
  for (const kind of ['image', 'video', 'audio', 'voice', 'document', 'sticker'] as const) {
    const media = message[kind];
    if (!media) continue;
    attachments.push({
      contentType:
        media.mime_type?.split(';')[0]?.trim() || (MEDIA_FALLBACK_TYPES[kind] ?? 'application/octet-stream'),
      url: mediaUrl(media.id),
      ...(media.filename ? { filename: media.filename } : {}),
    });
    if (media.caption) return { text: media.caption, attachments };
  }
  if (message.text) return { text: message.text.body, attachments };
  if (message.location) {
    const { latitude, longitude, name, address } = message.location;
    return {
      text: `[location · 位置] ${[name, address].filter(Boolean).join(', ')} (${latitude}, ${longitude})`.replace(
        '  ',
        ' ',
      ),
      attachments,
    };
  }
  if (message.button)
    return { text: message.button.text ?? message.button.payload ?? '[button]', attachments };
  const reply = message.interactive?.button_reply ?? message.interactive?.list_reply;
  if (reply) return { text: reply.title, attachments };
  if (attachments.length) return { attachments };
  return { text: `[${message.type} message · 不支持的消息类型]`, attachments };
}
