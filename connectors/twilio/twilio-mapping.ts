import type {
  CallDetails,
  CallOutcome,
  ChannelKind,
  DeliveryStatus,
  InboundAttachment,
  InboundEvent,
  SenderIdentity,
  StatusEvent,
} from '../channel';
import type { MessageStatusWebhook, MessageWebhook, VoiceWebhook } from './twilio-payloads';

/**
 * Twilio payload → normalized event mapping (pure: no I/O, no clock; callers pass "now" because Twilio's
 * messaging webhooks carry no timestamp).
 */

const WHATSAPP_PREFIX = 'whatsapp:';

/** `whatsapp:+31612345678` → `+31612345678`; other addresses unchanged. */
export function stripAddressPrefix(address: string): string {
  return address.startsWith(WHATSAPP_PREFIX) ? address.slice(WHATSAPP_PREFIX.length) : address;
}

/** The channel a messaging address belongs to: WhatsApp through Twilio uses `whatsapp:` addresses. */
export function messagingChannelOf(address: string): Extract<ChannelKind, 'sms' | 'whatsapp'> {
  return address.startsWith(WHATSAPP_PREFIX) ? 'whatsapp' : 'sms';
}

/** The address Twilio wants for sending to this identity on this channel. */
export function twilioAddress(channel: ChannelKind, phone: string): string {
  const bare = stripAddressPrefix(phone);
  return channel === 'whatsapp' ? `${WHATSAPP_PREFIX}${bare}` : bare;
}

function senderFromAddress(address: string, channel: ChannelKind, name?: string): SenderIdentity {
  const phone = stripAddressPrefix(address);
  const isPhone = /^\+\d{6,15}$/.test(phone);
  return {
    externalId: phone,
    ...(channel === 'whatsapp' ? { handle: address } : {}),
    ...(isPhone ? { phone } : {}),
    ...(name ? { name } : {}),
  };
}

/** The message's sid: `MessageSid`, or the legacy `SmsMessageSid`/`SmsSid` older requests carry. */
export function messageSidOf(params: { MessageSid?: string; SmsMessageSid?: string; SmsSid?: string }) {
  return params.MessageSid ?? params.SmsMessageSid ?? params.SmsSid;
}

/** MMS / WhatsApp media: `NumMedia`, `MediaUrlN`, `MediaContentTypeN` → url attachments (fetched by a job). */
export function mediaAttachments(params: Record<string, unknown>): InboundAttachment[] {
  const count = Math.min(Number(params.NumMedia ?? '0') || 0, 10);
  const attachments: InboundAttachment[] = [];
  for (let index = 0; index < count; index += 1) {
    const url = params[`MediaUrl${index}`];
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) continue;
    const declared = params[`MediaContentType${index}`];
    const contentType = typeof declared === 'string' && declared ? declared : 'application/octet-stream';
    attachments.push({
      url,
      contentType,
      filename: `${url.split('/').pop() ?? `media-${index}`}${extensionFor(contentType)}`,
    });
  }
  return attachments;
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/gif': '.gif',
  'image/webp': '.webp',
  'application/pdf': '.pdf',
  'audio/ogg': '.ogg',
  'audio/mpeg': '.mp3',
  'video/mp4': '.mp4',
  'text/vcard': '.vcf',
};

function extensionFor(contentType: string): string {
  return EXTENSIONS[contentType.toLowerCase()] ?? '';
}

/** A WhatsApp location share has an empty body and Latitude/Longitude/Address/Label fields. */
function locationText(params: MessageWebhook): string | undefined {
  if (!params.Latitude || !params.Longitude) return undefined;
  const place = [params.Label, params.Address].filter(Boolean).join(', ');
  const coordinates = `${params.Latitude},${params.Longitude}`;
  return `📍 ${place ? `${place} ` : ''}https://maps.google.com/?q=${coordinates}`;
}

/** An inbound SMS, MMS or WhatsApp message → InboundEvent. */
export function mapInboundMessage(
  params: MessageWebhook,
  context: { inboxId: string; receivedAt: Date },
): InboundEvent {
  const externalId = messageSidOf(params);
  if (!externalId) throw new Error('message webhook without a MessageSid');
  const channel = messagingChannelOf(params.From);
  const attachments = mediaAttachments(params);
  const body = params.Body?.trim() ? params.Body : undefined;
  const text = body ?? locationText(params);
  return {
    channel,
    inboxId: context.inboxId,
    externalId,
    occurredAt: context.receivedAt,
    from: senderFromAddress(params.From, channel, params.ProfileName),
    kind: 'message',
    ...(text === undefined ? {} : { text }),
    ...(attachments.length > 0 ? { attachments } : {}),
  };
}

/**
 * Twilio message statuses → our delivery statuses. `receiving`/`received` concern inbound messages and map
 * to null (ignored).
 */
const MESSAGE_STATUS_MAP: Record<string, DeliveryStatus | null> = {
  accepted: 'queued',
  scheduled: 'queued',
  queued: 'queued',
  sending: 'queued',
  sent: 'sent',
  delivered: 'delivered',
  partially_delivered: 'delivered',
  read: 'read',
  undelivered: 'failed',
  failed: 'failed',
  canceled: 'failed',
  receiving: null,
  received: null,
};

export function mapMessageStatus(status: string | undefined): DeliveryStatus | null {
  if (!status) return null;
  return MESSAGE_STATUS_MAP[status.toLowerCase()] ?? null;
}

const STATUS_RANK: Record<DeliveryStatus, number> = { queued: 0, sent: 1, delivered: 2, read: 3, failed: 4 };

/**
 * True when moving from `current` to `next` is progress. Statuses only move forward; `failed` is terminal
 * and is reachable from queued/sent only (a delivered message cannot fail afterwards).
 */
export function isStatusAdvance(current: DeliveryStatus, next: DeliveryStatus): boolean {
  if (current === 'failed') return false;
  if (next === 'failed') return current === 'queued' || current === 'sent';
  return STATUS_RANK[next] > STATUS_RANK[current];
}

/** A message status callback → StatusEvent, or null for statuses we do not track. */
export function mapStatusCallback(
  params: MessageStatusWebhook,
  context: { inboxId: string; receivedAt: Date },
): StatusEvent | null {
  const externalId = messageSidOf(params);
  const status = mapMessageStatus(params.MessageStatus ?? params.SmsStatus);
  if (!externalId || !status) return null;
  const channel = messagingChannelOf(params.To ?? params.From ?? '');
  const hasError = params.ErrorCode !== undefined && params.ErrorCode !== '' && params.ErrorCode !== '0';
  return {
    channel,
    inboxId: context.inboxId,
    externalId,
    status,
    occurredAt: context.receivedAt,
    ...(hasError
      ? {
          error: {
            code: params.ErrorCode!,
            message: params.ErrorMessage ?? twilioErrorHint(params.ErrorCode!),
          },
        }
      : {}),
  };
}

/** Short explanations of the delivery error codes agents meet most. */
export function twilioErrorHint(code: string): string {
  const hints: Record<string, string> = {
    '21211': 'Invalid phone number',
    '21610': 'The recipient unsubscribed (replied STOP)',
    '21614': 'Not a mobile number',
    '30003': 'Unreachable destination handset',
    '30005': 'Unknown destination handset',
    '30006': 'Landline or unreachable carrier',
    '30007': 'Message filtered by the carrier',
    '63016': 'Outside the WhatsApp 24-hour window: a template is required',
  };
  return hints[code] ?? `Twilio error ${code}`;
}

/** Twilio's `Timestamp` (RFC 2822) when present and valid, else `fallback`. */
export function parseTwilioTimestamp(value: string | undefined, fallback: Date): Date {
  if (!value) return fallback;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? fallback : parsed;
}

/** Whose phone the call is about: the caller for inbound calls, the callee for outbound ones. */
export function callCustomerAddress(params: VoiceWebhook): string | undefined {
  const outbound = params.Direction?.startsWith('outbound') ?? false;
  return outbound ? (params.To ?? params.Called) : (params.From ?? params.Caller);
}

/** An inbound call (at menu choice or at its end) → InboundEvent of kind `call`. */
export function mapInboundCall(
  params: VoiceWebhook,
  context: {
    inboxId: string;
    receivedAt: Date;
    category?: string;
    locale?: string;
  },
): InboundEvent {
  const address = callCustomerAddress(params) ?? 'anonymous';
  const call: CallDetails = {
    direction: params.Direction?.startsWith('outbound') ? 'outbound' : 'inbound',
    status: params.CallStatus ?? 'in-progress',
    ...(params.CallDuration ? { durationSec: Number(params.CallDuration) } : {}),
  };
  const hints = {
    ...(context.category ? { category: context.category } : {}),
    ...(context.locale ? { locale: context.locale } : {}),
  };
  return {
    channel: 'voice',
    inboxId: context.inboxId,
    externalId: params.CallSid,
    occurredAt: parseTwilioTimestamp(params.Timestamp, context.receivedAt),
    from: senderFromAddress(address, 'voice'),
    kind: 'call',
    call,
    ...(Object.keys(hints).length > 0 ? { hints } : {}),
  };
}

/** A finished voicemail recording → InboundEvent of kind `voicemail` (keyed by RecordingSid). */
export function mapVoicemail(
  params: VoiceWebhook & { RecordingSid: string; RecordingUrl: string },
  context: { inboxId: string; receivedAt: Date; locale?: string; caller?: string },
): InboundEvent {
  // Recording callbacks carry no From/To: the hub passes the caller it put in the callback URL.
  const address = context.caller ?? callCustomerAddress(params) ?? 'anonymous';
  const duration = Number(params.RecordingDuration ?? '');
  const transcription = params.TranscriptionStatus === 'completed' ? params.TranscriptionText : undefined;
  return {
    channel: 'voice',
    inboxId: context.inboxId,
    externalId: params.RecordingSid,
    occurredAt: parseTwilioTimestamp(params.RecordingStartTime as string | undefined, context.receivedAt),
    from: senderFromAddress(address, 'voice'),
    kind: 'voicemail',
    ...(transcription ? { text: transcription } : {}),
    // The recording itself, fetched into the attachment store by ingest's media job.
    attachments: [
      { url: params.RecordingUrl, contentType: 'audio/x-wav', filename: `${params.RecordingSid}.wav` },
    ],
    call: {
      direction: 'inbound',
      status: 'completed',
      recordingUrl: params.RecordingUrl,
      recordingSid: params.RecordingSid,
      ...(Number.isFinite(duration) && duration >= 0 ? { durationSec: duration } : {}),
      ...(transcription ? { transcription } : {}),
    },
    ...(context.locale ? { hints: { locale: context.locale } } : {}),
  };
}

/** Call outcome from the final status: what an agent needs to see on the call entry. */
export function callOutcomeOf(
  params: VoiceWebhook,
  context: { connected: boolean; hasVoicemail: boolean },
): CallOutcome {
  switch (params.CallStatus) {
    case 'busy':
      return 'busy';
    case 'failed':
      return 'failed';
    case 'canceled':
      return 'canceled';
    case 'no-answer':
      return context.hasVoicemail ? 'voicemail' : 'missed';
    default:
      if (context.connected) return 'answered';
      return context.hasVoicemail ? 'voicemail' : 'missed';
  }
}
