import twilio from 'twilio';
import {
  SendError,
  type Channel,
  type ChannelKind,
  type OutboundMessage,
  type ReplyTemplate,
  type SendResult,
  type WebhookRequest,
} from '../channel';
import type { SendHints } from '../social/send-hints';
import { classifyTwilioError } from './twilio-errors';
import { mapMessageStatus, twilioAddress } from './twilio-mapping';
import { isValidTwilioSignature } from './twilio-signature';
import { contentVariables } from './twilio-whatsapp-templates';

/** One configured Twilio inbox: an account and its numbers. Secrets come from config, never the env. */
export interface TwilioInboxConfig {
  inboxId: string;
  accountSid: string;
  authToken: string;
  /** E.164 number for SMS and voice. */
  phoneNumber?: string;
  /** E.164 number of the WhatsApp sender (sent as `whatsapp:+…`). */
  whatsappNumber?: string;
  /** API key and TwiML app for browser calling (access tokens); optional. */
  apiKeySid?: string;
  apiKeySecret?: string;
  twimlAppSid?: string;
  /** Approved WhatsApp Content templates (sent outside the 24 h window by ContentSid). */
  whatsappTemplates?: readonly ReplyTemplate[];
}

export interface TwilioChannelOptions {
  inbox: TwilioInboxConfig;
  /** The hub's public base URL (status callbacks and voice webhooks are built on it). */
  publicUrl: string;
  /**
   * Where the REST API is (default Twilio's). Set to a local stub in tests and the demo: requests keep
   * their path (`/2010-04-01/Accounts/…`) and go to this origin (and path prefix) instead.
   */
  apiBaseUrl?: string;
  /** Per-request timeout of REST calls (default 10 s). */
  timeoutMs?: number;
  /** The reply-window check's send hints: a WhatsApp reply outside the window goes as a Content template. */
  hints?: SendHints;
}

type TwilioRequestClient = InstanceType<typeof twilio.RequestClient>;

/**
 * The documented extension point of twilio-node for changing how requests are made is a custom
 * `httpClient`. This one delegates to the SDK's own RequestClient and only swaps the origin, so the SDK
 * still builds, authenticates, parses and raises RestException exactly as against Twilio.
 */
export function createRedirectingHttpClient(apiBaseUrl: string, timeoutMs: number) {
  const inner = new twilio.RequestClient({ timeout: timeoutMs });
  const base = apiBaseUrl.replace(/\/+$/, '');
  const client = Object.create(inner) as TwilioRequestClient;
  client.request = (options) =>
    inner.request({ ...options, uri: options.uri.replace(/^https:\/\/[a-z0-9.-]*twilio\.com/i, base) });
  return client;
}

export interface PlaceCallOptions {
  /** The customer's E.164 number. */
  to: string;
  /** TwiML URL Twilio fetches once the customer answers (connects them to the agent). */
  answerUrl: string;
  statusCallbackUrl: string;
}

export interface TwilioChannel extends Channel {
  readonly inbox: TwilioInboxConfig;
  /** Outbound (click-to-call) call through the REST API; resolves with the CallSid. */
  placeCall(options: PlaceCallOptions): Promise<{ callSid: string; status: string }>;
  /** Recording metadata (duration, media URL) through the REST API. */
  fetchRecording(recordingSid: string): Promise<{ sid: string; duration: number | null; mediaUrl: string }>;
}

/** The Twilio connector for one inbox: SMS, WhatsApp and voice. */
export function createTwilioChannel(options: TwilioChannelOptions): TwilioChannel {
  const { inbox } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const client = twilio(inbox.accountSid, inbox.authToken, {
    timeout: timeoutMs,
    // Never let the SDK read TWILIO_* from process.env: configuration comes from server/config.ts.
    env: {},
    ...(options.apiBaseUrl ? { httpClient: createRedirectingHttpClient(options.apiBaseUrl, timeoutMs) } : {}),
  });
  const defaultStatusCallback = `${options.publicUrl}/webhooks/twilio/status?inbox=${encodeURIComponent(inbox.inboxId)}`;

  const senderFor = (channel: ChannelKind): string => {
    const number = channel === 'whatsapp' ? inbox.whatsappNumber : inbox.phoneNumber;
    if (!number)
      throw new SendError(`inbox ${inbox.inboxId} has no ${channel} number`, {
        permanent: true,
        providerCode: 'NO_SENDER',
      });
    return twilioAddress(channel, number);
  };

  /** The Content template the reply-window check chose for this WhatsApp text, if any. */
  async function templateOf(message: OutboundMessage) {
    if (message.channel !== 'whatsapp' || !options.hints) return null;
    const hint = await options.hints.find({
      channel: 'whatsapp',
      inboxId: inbox.inboxId,
      text: message.text,
    });
    const sid = hint?.template?.providerId;
    return sid ? { sid, variables: hint.template?.variables ?? [] } : null;
  }

  return {
    kinds: ['sms', 'whatsapp', 'voice'],
    inboxId: inbox.inboxId,
    inbox,
    replyTemplates: (kind) => (kind === 'whatsapp' ? (inbox.whatsappTemplates ?? []) : []),

    verifyWebhook(request: WebhookRequest): boolean {
      const contentType = request.headers['content-type'] ?? '';
      const rawBody = request.rawBody.toString('utf8');
      const params = contentType.includes('application/x-www-form-urlencoded')
        ? Object.fromEntries(new URLSearchParams(rawBody))
        : undefined;
      return isValidTwilioSignature({
        authToken: inbox.authToken,
        signature: request.headers['x-twilio-signature'],
        url: request.publicUrl,
        ...(params ? { params } : { rawBody }),
      });
    },

    async send(message: OutboundMessage): Promise<SendResult> {
      if (message.channel !== 'sms' && message.channel !== 'whatsapp')
        throw new SendError(`Twilio cannot send a text on ${message.channel}; reply by SMS or call back`, {
          permanent: true,
          providerCode: 'UNSUPPORTED_CHANNEL',
        });
      const phone = message.to.phone ?? message.to.externalId;
      if (!/^\+\d{6,15}$/.test(phone.replace(/^whatsapp:/, '')))
        throw new SendError(`not a phone number: ${phone}`, { permanent: true, providerCode: '21211' });
      if (!message.text.trim())
        throw new SendError('empty message', { permanent: true, providerCode: 'EMPTY_BODY' });
      const from = senderFor(message.channel);
      const template = await templateOf(message);
      try {
        const sent = await client.messages.create({
          to: twilioAddress(message.channel, phone),
          from,
          // An approved Content template replaces the body (WhatsApp outside the 24 h window).
          ...(template
            ? { contentSid: template.sid, contentVariables: contentVariables(template.variables) }
            : { body: message.text }),
          // Our message id rides in the URL, which the callback's signature covers: a report still finds
          // its message when the hub died before storing the provider's id.
          statusCallback:
            message.statusCallbackUrl ??
            `${defaultStatusCallback}&message=${encodeURIComponent(message.messageId)}`,
        });
        return { externalId: sent.sid, status: mapMessageStatus(sent.status) ?? 'queued' };
      } catch (error) {
        throw classifyTwilioError(error);
      }
    },

    async placeCall(call: PlaceCallOptions) {
      const from = senderFor('voice');
      try {
        const created = await client.calls.create({
          to: call.to,
          from,
          url: call.answerUrl,
          method: 'POST',
          statusCallback: call.statusCallbackUrl,
          statusCallbackMethod: 'POST',
          statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
        });
        return { callSid: created.sid, status: created.status };
      } catch (error) {
        throw classifyTwilioError(error);
      }
    },

    async fetchRecording(recordingSid: string) {
      try {
        const recording = await client.recordings(recordingSid).fetch();
        const duration = Number(recording.duration);
        return {
          sid: recording.sid,
          duration: Number.isFinite(duration) ? duration : null,
          mediaUrl: recording.mediaUrl,
        };
      } catch (error) {
        throw classifyTwilioError(error);
      }
    },
  };
}
